#include "swag/data/resampling_sampler.hpp"

#include <cmath>

#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/core/rng.hpp"

namespace swag::data {
namespace {

// Separates the sampler's counters from other users of the same seed (weight init): one tag for
// the bucket's draw, one for the image inside the bucket.
constexpr std::uint32_t sampler_stream_tag = 0x53414D50;  // "SAMP"
constexpr std::uint32_t bucket_stream_tag = 0x4255434B;   // "BUCK"

// 53 random bits as a double in [0, 1).
double unit_interval(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = (std::uint64_t{hi} << 32 | lo) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

Philox4x32 block(std::uint64_t seed, std::uint64_t epoch, std::uint64_t g, std::uint32_t tag) {
  return philox4x32_10(
      {static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(g >> 32),
       static_cast<std::uint32_t>(epoch), tag ^ static_cast<std::uint32_t>(epoch >> 32)},
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
}

// floor(u * n / 2^64) for a 64-bit uniform u: a uniform index in [0, n), off by at most n/2^64.
std::int64_t scaled_index(std::uint64_t u, std::int64_t n) {
  // The high word of the 128-bit product, from 32-bit halves.
  const auto m = static_cast<std::uint64_t>(n);
  const std::uint64_t u_lo = u & 0xffffffffu, u_hi = u >> 32, m_lo = m & 0xffffffffu,
                      m_hi = m >> 32;
  const std::uint64_t lo_lo = u_lo * m_lo, lo_hi = u_lo * m_hi, hi_lo = u_hi * m_lo;
  const std::uint64_t middle = (lo_lo >> 32) + (lo_hi & 0xffffffffu) + (hi_lo & 0xffffffffu);
  return static_cast<std::int64_t>(u_hi * m_hi + (lo_hi >> 32) + (hi_lo >> 32) + (middle >> 32));
}

}  // namespace

ResamplingSampler::ResamplingSampler(std::vector<std::int64_t> class_frequencies,
                                     SamplerBuckets buckets, const SamplerOptions& options)
    : options_(options), frequency_(std::move(class_frequencies)), buckets_(std::move(buckets)) {
  if (!(options.alpha >= 0 && options.alpha <= 1))
    fail(ExitCode::usage, "alpha {} is outside [0, 1]", options.alpha);
  if (buckets_.num_images() == 0) fail(ExitCode::input, "the dataset has no images to sample");
  SWAG_CHECK(static_cast<std::int64_t>(frequency_.size()) == buckets_.num_classes(),
             "{} class frequencies for {} buckets", frequency_.size(), buckets_.num_classes());
  std::vector<double> head_weights, tail_weights;
  for (std::int64_t c = 0; c < buckets_.num_classes(); ++c) {
    const std::int64_t n = buckets_.bucket_size(c);
    if (n == 0) continue;
    SWAG_CHECK(frequency_[c] > 0, "bucket {} holds {} images of a class on no image", c, n);
    const double mass = static_cast<double>(n) * bucket_importance(c);
    const bool head = is_head_class(c);
    (head ? head_ : tail_).push_back(static_cast<std::int32_t>(c));
    (head ? head_weights : tail_weights).push_back(mass);
    (head ? head_images_ : tail_images_) += n;
  }
  if (!head_.empty()) head_table_ = AliasTable(head_weights);
  if (!tail_.empty()) tail_table_ = AliasTable(tail_weights);
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

ResamplingSampler::ResamplingSampler(const MultiLabels& labels, const SamplerOptions& options)
    : ResamplingSampler(labels.class_frequencies(),
                        SamplerBuckets::from_labels(labels, labels.class_frequencies()), options) {}

double ResamplingSampler::bucket_importance(std::int64_t c) const {
  return 1.0 / std::sqrt(static_cast<double>(frequency_[c]));
}

std::int64_t ResamplingSampler::private_bytes() const {
  auto bytes = [](const auto& v) { return static_cast<std::int64_t>(v.capacity() * sizeof(v[0])); };
  // An alias table holds a double and an int64 per column.
  return bytes(frequency_) + bytes(head_) + bytes(tail_) +
         16 * (head_table_.size() + tail_table_.size()) + buckets_.private_bytes();
}

bool ResamplingSampler::head_position(std::uint64_t g) const {
  // floor((g+1)a) - floor(g a) is 1 for exactly floor(n a) of the positions [0, n).
  const double a = options_.alpha;
  return std::floor(static_cast<double>(g + 1) * a) > std::floor(static_cast<double>(g) * a);
}

ResamplingSampler::Draw ResamplingSampler::draw(std::uint64_t epoch, std::uint64_t g) const {
  const Philox4x32 r = block(options_.seed, epoch, g, sampler_stream_tag);
  const bool from_head = !head_.empty() && (tail_.empty() || head_position(g));
  const AliasTable& table = from_head ? head_table_ : tail_table_;
  const auto& members = from_head ? head_ : tail_;
  const std::int32_t bucket =
      members[table.sample(unit_interval(r[0], r[1]), unit_interval(r[2], r[3]))];
  const Philox4x32 s = block(options_.seed, epoch, g, bucket_stream_tag);
  const std::uint64_t u = std::uint64_t{s[0]} << 32 | s[1];
  const std::int64_t k = buckets_.offsets()[bucket] + scaled_index(u, buckets_.bucket_size(bucket));
  const std::int64_t image = buckets_.image(k);
  if (image < 0 || image >= buckets_.num_images())
    fail(ExitCode::input, "the bucket file names image {} of {} at position {} (damaged?)", image,
         buckets_.num_images(), k);
  return {image, bucket, from_head};
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
