// The paper's resampling (§3.1, App. A): a share alpha of the samples from head images, the rest
// from tail images, each drawn with p proportional to f(h)^(-1/2) of its rarest class h, through
// an alias table over buckets. Derivation: doc/engine.md, "The resampling sampler".
#pragma once
#include <cstdint>
#include <vector>

#include "swag/data/alias_table.hpp"
#include "swag/data/multi_labels.hpp"
#include "swag/data/sampler_buckets.hpp"

namespace swag::data {

struct SamplerOptions {
  double alpha = 0.7;                  // share of samples from head images
  std::int64_t head_threshold = 5000;  // images per class to be a head class
  std::uint64_t seed = 0;
};

class ResamplingSampler {
 public:
  // f: images per class (index.json's class_counts); buckets: the images by rarest class.
  ResamplingSampler(std::vector<std::int64_t> class_frequencies, SamplerBuckets buckets,
                    const SamplerOptions& options);
  // Frequencies and buckets computed from labels in memory (tests, small data).
  ResamplingSampler(const MultiLabels& labels, const SamplerOptions& options);

  struct Draw {
    std::int64_t image = 0;   // global image index
    std::int32_t bucket = 0;  // its rarest class
    bool head = false;        // drawn from the head images
  };
  Draw draw(std::uint64_t epoch, std::uint64_t g) const;
  // The image (global index) at position g of the epoch.
  std::int64_t image_at(std::uint64_t epoch, std::uint64_t g) const { return draw(epoch, g).image; }
  // Whether position g is a head draw (when one group is empty, draw uses the other).
  bool head_position(std::uint64_t g) const;

  bool is_head_class(std::int64_t c) const { return frequency_[c] >= options_.head_threshold; }
  // The importance f(c)^(-1/2) shared by the images of bucket c.
  double bucket_importance(std::int64_t c) const;
  const std::vector<std::int64_t>& class_frequencies() const { return frequency_; }
  const SamplerBuckets& buckets() const { return buckets_; }
  std::int64_t num_head_images() const { return head_images_; }
  std::int64_t num_tail_images() const { return tail_images_; }
  // Private memory held: O(classes), plus the buckets' own when they are not memory-mapped.
  std::int64_t private_bytes() const;

 private:
  SamplerOptions options_;
  std::vector<std::int64_t> frequency_;
  SamplerBuckets buckets_;
  std::vector<std::int32_t> head_, tail_;  // the non-empty buckets of each group
  AliasTable head_table_, tail_table_;     // over head_ and tail_, weights |bucket| f^(-1/2)
  std::int64_t head_images_ = 0, tail_images_ = 0;
};

// The positions of [begin, end) that rank r of W draws: first, first + stride, ... (count).
struct RankShare {
  std::uint64_t first = 0, stride = 1, count = 0;
};
RankShare rank_share(std::uint64_t begin, std::uint64_t end, int rank, int world);

}  // namespace swag::data
