#include "swag/data/multi_labels.hpp"

#include <filesystem>

#include "swag/core/error.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {

std::vector<std::int64_t> MultiLabels::class_frequencies() const {
  std::vector<std::int64_t> f(static_cast<std::size_t>(num_classes), 0);
  for (const auto c : classes) ++f[c];
  return f;
}

MultiLabels load_dataset_labels(const std::string& data_dir) {
  const DatasetIndex index = read_index(data_dir);
  MultiLabels labels;
  labels.num_classes = index.num_classes;
  for (const auto& entry : index.shards) {
    const ShardReader shard((std::filesystem::path(data_dir) / entry.file).string());
    check_shard_matches_index(shard, entry, index);
    for (std::int64_t i = 0; i < shard.num_images(); ++i) labels.add(shard.classes(i));
  }
  if (labels.num_images() != index.num_images)
    fail(ExitCode::input, "{}: index.json says {} images, its shards hold {}", data_dir,
         index.num_images, labels.num_images());
  return labels;
}

}  // namespace swag::data
