// What `swag sample` reports about a stretch of the sample stream; each rank fills its share
// and the parts add up (counts sum, seen images OR, checksums sum modulo 2^64).
#pragma once
#include <cstdint>
#include <vector>

#include "swag/data/multi_labels.hpp"
#include "swag/data/resampling_sampler.hpp"

namespace swag::data {

struct SampleStatistics {
  std::uint64_t num_samples = 0, head_samples = 0;
  std::vector<std::int64_t> class_sample_counts;  // samples whose image carries the class
  std::vector<std::uint8_t> seen;                 // per image: drawn at least once
  // Sum over positions g of a hash of (g, image at g): equal for two runs exactly when they
  // agree at every position (up to hash collisions), however the positions were split.
  std::uint64_t stream_checksum = 0;
};

SampleStatistics sample_statistics(const ResamplingSampler& sampler, const MultiLabels& labels,
                                   std::uint64_t epoch, const RankShare& share);

}  // namespace swag::data
