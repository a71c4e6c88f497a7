#include "swag/data/resampling_sampler.hpp"

#include <cmath>

#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/core/rng.hpp"

namespace swag::data {
namespace {

// Separates the sampler's counters from other users of the same seed (weight init).
constexpr std::uint32_t sampler_stream_tag = 0x53414D50;  // "SAMP"

// 53 random bits as a double in [0, 1).
double unit_interval(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = (std::uint64_t{hi} << 32 | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

AliasTable table_over(const std::vector<std::int64_t>& images, const std::vector<double>& weight) {
  if (images.empty()) return {};
  std::vector<double> w;
  w.reserve(images.size());
  for (const auto i : images) w.push_back(weight[i]);
  return AliasTable(w);
}

}  // namespace

ResamplingSampler::ResamplingSampler(const MultiLabels& labels, const SamplerOptions& options)
    : options_(options), frequency_(labels.class_frequencies()) {
  if (!(options.alpha >= 0 && options.alpha <= 1))
    fail(ExitCode::usage, "alpha {} is outside [0, 1]", options.alpha);
  const std::int64_t n = labels.num_images();
  if (n == 0) fail(ExitCode::input, "the dataset has no images to sample");
  importance_.resize(n);
  tail_image_.resize(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto classes = labels.of(i);
    SWAG_CHECK(!classes.empty(), "image {} has no label", i);
    std::int64_t rarest = frequency_[classes[0]];
    for (const auto c : classes) {
      rarest = std::min(rarest, frequency_[c]);
      if (!is_head_class(c)) tail_image_[i] = 1;
    }
    importance_[i] = 1.0 / std::sqrt(static_cast<double>(rarest));  // max of f^(-1/2)
    (tail_image_[i] ? tail_ : head_).push_back(i);
  }
  head_table_ = table_over(head_, importance_);
  tail_table_ = table_over(tail_, importance_);
  if (head_.empty() && options.alpha > 0)
    log::warn(
        "sample: no head images (no image has only classes on >= {} images); every "
        "sample comes from tail images",
        options.head_threshold);
  if (tail_.empty() && options.alpha < 1)
    log::warn(
        "sample: no tail images (every class is on >= {} images); every sample comes "
        "from head images",
        options.head_threshold);
}

bool ResamplingSampler::head_position(std::uint64_t g) const {
  // floor((g+1)a) - floor(g a) is 1 for exactly floor(n a) of the positions [0, n).
  const double a = options_.alpha;
  return std::floor(static_cast<double>(g + 1) * a) > std::floor(static_cast<double>(g) * a);
}

std::int64_t ResamplingSampler::image_at(std::uint64_t epoch, std::uint64_t g) const {
  const Philox4x32 r = philox4x32_10(
      {static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(g >> 32),
       static_cast<std::uint32_t>(epoch),
       sampler_stream_tag ^ static_cast<std::uint32_t>(epoch >> 32)},
      {static_cast<std::uint32_t>(options_.seed), static_cast<std::uint32_t>(options_.seed >> 32)});
  const bool from_head = !head_table_.empty() && (tail_table_.empty() || head_position(g));
  const AliasTable& table = from_head ? head_table_ : tail_table_;
  const auto& members = from_head ? head_ : tail_;
  return members[table.sample(unit_interval(r[0], r[1]), unit_interval(r[2], r[3]))];
}

RankShare rank_share(std::uint64_t begin, std::uint64_t end, int rank, int world) {
  SWAG_CHECK(world > 0 && rank >= 0 && rank < world && begin <= end, "rank {} of {}, [{}, {})",
             rank, world, begin, end);
  const auto w = static_cast<std::uint64_t>(world), r = static_cast<std::uint64_t>(rank);
  const std::uint64_t first = begin + r;
  const std::uint64_t count = first < end ? (end - first + w - 1) / w : 0;
  return {first, w, count};
}

}  // namespace swag::data
