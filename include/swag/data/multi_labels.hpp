// The label sets of a whole dataset in CSR form: image i (numbered across shards in index
// order) carries classes[offsets[i]:offsets[i+1]].
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace swag::data {

struct MultiLabels {
  std::int64_t num_classes = 0;
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> classes;

  std::int64_t num_images() const { return static_cast<std::int64_t>(offsets.size()) - 1; }
  std::span<const std::int32_t> of(std::int64_t image) const {
    return {classes.data() + offsets[image],
            static_cast<std::size_t>(offsets[image + 1] - offsets[image])};
  }
  void add(std::span<const std::int32_t> label_set) {
    classes.insert(classes.end(), label_set.begin(), label_set.end());
    offsets.push_back(static_cast<std::int64_t>(classes.size()));
  }
  // Images carrying each class (the f(h) of the paper's resampling).
  std::vector<std::int64_t> class_frequencies() const;
};

// Reads index.json and every shard's labels; the shards must agree with the index.
MultiLabels load_dataset_labels(const std::string& data_dir);

}  // namespace swag::data
