#include "swag/eval/test_set_scoring.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "swag/core/error.hpp"
#include "swag/core/json_integer.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::eval {
namespace {

nlohmann::json parse_json_file(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) fail(ExitCode::io, "{}: cannot open the {}", path, what);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail(ExitCode::input, "{}: not JSON: {}", path, e.what());
  }
}

}  // namespace

LabelSets read_real_labels(const std::string& path, std::int64_t classes) {
  const auto j = parse_json_file(path, "ReaL labels");
  if (!j.is_array()) fail(ExitCode::input, "{}: expected a list of label lists", path);
  LabelSets sets(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array())
      fail(ExitCode::input, "{}: record {} is {}, not a list of class indices", path, i,
           j[i].dump());
    for (const auto& c : j[i]) {
      if (!c.is_number_integer() || c.get<std::int64_t>() < 0 || c.get<std::int64_t>() >= classes)
        fail(ExitCode::input, "{}: record {} holds {}, not a class index in [0, {})", path, i,
             c.dump(), classes);
      sets[i].push_back(c.get<std::int32_t>());  // in range: checked above
    }
  }
  return sets;
}

ObjectNetMapping read_objectnet_mapping(const std::string& path) {
  const auto j = parse_json_file(path, "ObjectNet mapping");
  ObjectNetMapping m;
  try {
    if (j.at("format") != "swag-objectnet-mapping")
      fail(ExitCode::input, "{}: format is {}, expected \"swag-objectnet-mapping\"", path,
           j.at("format").dump());
    m.in1k_classes = json_integer<std::int64_t>(j.at("in1k_classes"));
    const auto& classes = j.at("classes");
    std::vector<std::int64_t> owner(
        static_cast<std::size_t>(std::max<std::int64_t>(0, m.in1k_classes)), -1);
    for (std::size_t o = 0; o < classes.size(); ++o) {
      const auto& entry = classes[o];
      if (json_integer<std::size_t>(entry.at("objectnet")) != o)
        fail(ExitCode::input, "{}: classes[{}] has objectnet {}, expected {}", path, o,
             entry.at("objectnet").dump(), o);
      m.names.push_back(entry.at("name").get<std::string>());
      m.in1k.emplace_back();
      for (const auto& c : entry.at("in1k")) {
        const auto id = json_integer<std::int64_t>(c);
        if (id < 0 || id >= m.in1k_classes)
          fail(ExitCode::input, "{}: classes[{}] ({}) maps IN-1k class {} of {}", path, o,
               m.names.back(), id, m.in1k_classes);
        auto& first = owner[static_cast<std::size_t>(id)];
        if (first >= 0)
          fail(ExitCode::input, "{}: IN-1k class {} maps to classes[{}] and classes[{}]", path, id,
               first, o);
        first = static_cast<std::int64_t>(o);
        m.in1k.back().push_back(static_cast<std::size_t>(id));
      }
      if (m.in1k.back().empty())
        fail(ExitCode::input, "{}: classes[{}] ({}) maps no IN-1k class", path, o, m.names.back());
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ExitCode::input, "{}: bad ObjectNet mapping: {}", path, e.what());
  }
  if (m.in1k.empty()) fail(ExitCode::input, "{}: no ObjectNet classes", path);
  return m;
}

SetCounts count_topk_sets(const Tensor& scores, const LabelSets& sets) {
  SWAG_CHECK(scores.rank() == 2 && scores.dim(0) == static_cast<std::int64_t>(sets.size()),
             "count_topk_sets: {} scores for {} label sets", shape_str(scores.shape()),
             sets.size());
  const std::int64_t classes = scores.dim(1);
  SetCounts out;
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (sets[i].empty()) {
      ++out.excluded;
      continue;
    }
    const std::span<const float> row{scores.data<float>() + static_cast<std::int64_t>(i) * classes,
                                     static_cast<std::size_t>(classes)};
    std::int64_t best = classes;
    for (const std::int32_t c : sets[i]) best = std::min(best, rank_of(row, c));
    ++out.counts.n;
    out.counts.top1 += best < 1;
    out.counts.top5 += best < 5;
  }
  return out;
}

Tensor objectnet_scores(const Tensor& in1k_scores, const ObjectNetMapping& mapping) {
  return zero_shot_scores(in1k_scores, mapping.in1k, Aggregate::max);
}

TestSetScorer::TestSetScorer(const std::string& data, const std::string& source,
                             std::int64_t classes, const TestSetScoring& how)
    : classes_(classes) {
  if (!how.real_labels.empty() && !how.objectnet_mapping.empty())
    fail(ExitCode::usage, "--real-labels and --objectnet-mapping score different test sets");
  const std::int64_t data_classes = data::read_index(data).num_classes;
  if (!how.objectnet_mapping.empty()) {
    objectnet_ = std::make_unique<ObjectNetMapping>(read_objectnet_mapping(how.objectnet_mapping));
    if (objectnet_->in1k_classes != classes)
      fail(ExitCode::input, "{} maps {} IN-1k classes, {} scores {}", how.objectnet_mapping,
           objectnet_->in1k_classes, source, classes);
    if (data_classes != static_cast<std::int64_t>(objectnet_->in1k.size()))
      fail(ExitCode::input, "{} has {} ObjectNet classes, the labels in {} have {}",
           how.objectnet_mapping, objectnet_->in1k.size(), data, data_classes);
    return;
  }
  if (data_classes != classes)
    fail(ExitCode::input, "{} has {} classes, the labels in {} have {}", source, classes, data,
         data_classes);
  if (how.real_labels.empty()) return;
  // Entry L-1 of real.json labels the image of manifest line L: the validation images in order.
  const LabelSets real = read_real_labels(how.real_labels, classes);
  for (const std::int64_t line : data::read_image_ids(data)) {
    if (line < 1 || line > static_cast<std::int64_t>(real.size()))
      fail(ExitCode::input, "{} has {} records, {} holds the image of manifest line {}",
           how.real_labels, real.size(), data, line);
    real_sets_.push_back(real[static_cast<std::size_t>(line - 1)]);
  }
}

TestSetResult TestSetScorer::score(const Tensor& scores, const DatasetPredictions& p) const {
  SWAG_CHECK(scores.rank() == 2 && scores.dim(1) == classes_,
             "test set scores of shape {}, {} classes", shape_str(scores.shape()), classes_);
  if (objectnet_)
    return {{count_topk(objectnet_scores(scores, *objectnet_), p.labels), 0}, "objectnet"};
  if (!real_sets_.empty()) return {count_topk_sets(scores, real_sets_), "real"};
  return {{count_topk(scores, p.labels), 0}, "single-label"};
}

}  // namespace swag::eval
