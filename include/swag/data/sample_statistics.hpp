// What `swag sample` reports about a stretch of the sample stream; each rank fills its share
// and the parts add up (counts sum, drawn images concatenate, checksums sum modulo 2^64).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "swag/data/dataset_index.hpp"
#include "swag/data/multi_labels.hpp"
#include "swag/data/resampling_sampler.hpp"

namespace swag::data {

struct SampleStatistics {
  std::uint64_t num_samples = 0, head_samples = 0;
  std::vector<std::int64_t> class_sample_counts;  // samples whose image carries the class
  std::vector<std::int64_t> images;               // the images drawn, in position order
  // Sum over positions g of a hash of (g, image at g): equal for two runs exactly when they
  // agree at every position (up to hash collisions), however the positions were split.
  std::uint64_t stream_checksum = 0;
};

// The share's draws, without their classes (class_sample_counts zeros of num_classes).
SampleStatistics draw_statistics(const ResamplingSampler& sampler, std::int64_t num_classes,
                                 std::uint64_t epoch, const RankShare& share);
// The draws with their classes from labels in memory.
SampleStatistics sample_statistics(const ResamplingSampler& sampler, const MultiLabels& labels,
                                   std::uint64_t epoch, const RankShare& share);
// Adds the classes of the drawn images to the counts, reading each shard that holds one once.
// Returns the number of shard files opened.
std::int64_t count_classes_from_shards(const std::string& data_dir, const DatasetIndex& index,
                                       std::vector<std::int64_t> images,
                                       std::vector<std::int64_t>& class_counts);

}  // namespace swag::data
