#include "swag/data/sample_statistics.hpp"

#include <algorithm>
#include <filesystem>

#include "swag/core/error.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {
namespace {

// SplitMix64's finalizer: a cheap, well-mixed 64-bit hash.
std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

SampleStatistics draw_statistics(const ResamplingSampler& sampler, std::int64_t num_classes,
                                 std::uint64_t epoch, const RankShare& share) {
  SampleStatistics st;
  st.class_sample_counts.assign(static_cast<std::size_t>(num_classes), 0);
  st.images.reserve(share.count);
  for (std::uint64_t k = 0; k < share.count; ++k) {
    const std::uint64_t g = share.first + k * share.stride;
    const auto draw = sampler.draw(epoch, g);
    ++st.num_samples;
    st.head_samples += draw.head ? 1 : 0;
    st.images.push_back(draw.image);
    st.stream_checksum += mix64(mix64(g) ^ static_cast<std::uint64_t>(draw.image));
  }
  return st;
}

SampleStatistics sample_statistics(const ResamplingSampler& sampler, const MultiLabels& labels,
                                   std::uint64_t epoch, const RankShare& share) {
  SampleStatistics st = draw_statistics(sampler, labels.num_classes, epoch, share);
  for (const auto image : st.images)
    for (const auto c : labels.of(image)) ++st.class_sample_counts[c];
  return st;
}

std::int64_t count_classes_from_shards(const std::string& data_dir, const DatasetIndex& index,
                                       std::vector<std::int64_t> images,
                                       std::vector<std::int64_t>& class_counts) {
  std::sort(images.begin(), images.end());
  std::int64_t opened = 0, shard_begin = 0;
  std::size_t next = 0;
  for (const auto& entry : index.shards) {
    const std::int64_t shard_end = shard_begin + entry.num_images;
    if (next < images.size() && images[next] < shard_end) {
      const ShardReader shard((std::filesystem::path(data_dir) / entry.file).string());
      ++opened;
      check_shard_matches_index(shard, entry, index);
      for (; next < images.size() && images[next] < shard_end; ++next)
        for (const auto c : shard.classes(images[next] - shard_begin)) ++class_counts[c];
    }
    shard_begin = shard_end;
  }
  SWAG_CHECK(next == images.size(), "drawn image {} is past the {} images", images.back(),
             shard_begin);
  return opened;
}

}  // namespace swag::data
