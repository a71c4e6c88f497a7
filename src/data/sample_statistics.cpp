#include "swag/data/sample_statistics.hpp"

namespace swag::data {
namespace {

// SplitMix64's finalizer: a cheap, well-mixed 64-bit hash.
std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

SampleStatistics sample_statistics(const ResamplingSampler& sampler, const MultiLabels& labels,
                                   std::uint64_t epoch, const RankShare& share) {
  SampleStatistics st;
  st.class_sample_counts.assign(static_cast<std::size_t>(labels.num_classes), 0);
  st.seen.assign(static_cast<std::size_t>(labels.num_images()), 0);
  for (std::uint64_t k = 0; k < share.count; ++k) {
    const std::uint64_t g = share.first + k * share.stride;
    const auto draw = sampler.draw(epoch, g);
    const std::int64_t image = draw.image;
    ++st.num_samples;
    st.head_samples += draw.head ? 1 : 0;
    for (const auto c : labels.of(image)) ++st.class_sample_counts[c];
    st.seen[image] = 1;
    st.stream_checksum += mix64(mix64(g) ^ static_cast<std::uint64_t>(image));
  }
  return st;
}

}  // namespace swag::data
