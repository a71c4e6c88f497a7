// How the ImageNet-like test sets of Tables 3 and 9 are scored (doc/transfer.md, "ReaL and
// ObjectNet"): single-label top-k, ImageNet-ReaL's label sets, or ObjectNet's 113 classes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "swag/eval/accuracy.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/eval/zero_shot_scores.hpp"

namespace swag::eval {

using LabelSets = std::vector<std::vector<std::int32_t>>;

// ReaL's real.json: a JSON list, in validation-image order, of lists of class indices < classes.
// Errors (exit 4) name the file and the record.
LabelSets read_real_labels(const std::string& path, std::int64_t classes);

// swag's ObjectNet mapping (doc/formats.md): for each ObjectNet class, in the data's label
// order, the IN-1k classes that map to it; no IN-1k class maps to two ObjectNet classes.
struct ObjectNetMapping {
  ClassMapping in1k;               // [ObjectNet classes] -> IN-1k class ids
  std::vector<std::string> names;  // ObjectNet class names
  std::int64_t in1k_classes = 0;
};
ObjectNetMapping read_objectnet_mapping(const std::string& path);

// Top-k against label sets: a row counts when its set is non-empty, and is correct within k when
// a class of its set ranks below k (rank_of's order). Rows with an empty set are `excluded`.
struct SetCounts {
  TopKCounts counts;
  std::int64_t excluded = 0;
};
SetCounts count_topk_sets(const Tensor& scores, const LabelSets& sets);

// ObjectNet's restriction: an ObjectNet class scores the highest of its IN-1k classes, so the
// top ObjectNet class is the one the best allowed IN-1k class maps to. [N, 1000] -> [N, 113].
Tensor objectnet_scores(const Tensor& in1k_scores, const ObjectNetMapping& mapping);

struct TestSetScoring {
  std::string real_labels;        // real.json: ReaL's label sets
  std::string objectnet_mapping;  // restrict to ObjectNet's classes
};

struct TestSetResult {
  SetCounts counts;
  std::string scoring;  // "single-label", "real" or "objectnet"
};

// The scoring of one test set, its files read and checked before any image is predicted: the
// data's classes must be the C score columns (ReaL: IN-1k validation shards), or ObjectNet's
// (with its mapping, of C IN-1k classes). `source` names what makes the C columns (the
// checkpoint or mapping) in the errors; the data's images must be those the scores are of.
class TestSetScorer {
 public:
  TestSetScorer(const std::string& data, const std::string& source, std::int64_t classes,
                const TestSetScoring& how);
  // scores [N, C] of the data's images; p: their predictions (for the labels).
  TestSetResult score(const Tensor& scores, const DatasetPredictions& p) const;

 private:
  std::int64_t classes_;
  LabelSets real_sets_;  // ReaL: each image's set, in the data's order
  std::unique_ptr<ObjectNetMapping> objectnet_;
};

}  // namespace swag::eval
