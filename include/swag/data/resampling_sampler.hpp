// The paper's resampling (DESIGN §4, paper §3.1 and App. A). f(h) is the number of images
// carrying class h. An image's importance is I_i = max over its classes of f(h)^(-1/2). A class
// is head when f(h) >= head_threshold; an image is tail when it carries any tail class, head
// otherwise. Of the samples at positions [0, n) of an epoch, floor(n*alpha) come from head
// images and the rest from tail images, each drawn with replacement with p proportional to I_i.
//
// Both depend only on the image's rarest class (sampler_buckets.hpp): the images whose rarest
// class is c form bucket c, all of importance f(c)^(-1/2), all head or all tail. A draw picks a
// bucket of its group with probability |bucket| f(c)^(-1/2) / (sum over the group), through an
// alias table over the group's buckets, then an image of the bucket uniformly: exactly the
// per-image distribution above, with O(classes) private memory (the bucket membership is a
// memory-mapped file).
//
// Sample g of epoch e is a pure function of (seed, e, g): two Philox4x32-10 blocks with counter
// (g, e, tag) and key seed, one for the bucket and one for the image inside it. Every rank count
// and every restart point therefore sees the same global stream; rank r of W takes positions
// r, r+W, r+2W, ... (rank_share).
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
