// The paper's resampling (DESIGN §4, paper §3.1 and App. A). f(h) is the number of images
// carrying class h. An image's importance is I_i = max over its classes of f(h)^(-1/2). A class
// is head when f(h) >= head_threshold; an image is tail when it carries any tail class, head
// otherwise. Of the samples at positions [0, n) of an epoch, floor(n*alpha) come from head
// images and the rest from tail images, each drawn with replacement with p proportional to I_i
// through an alias table of its group.
//
// Sample g of epoch e is a pure function of (seed, e, g): one Philox4x32-10 block with counter
// (g, e, tag) and key seed. Every rank count and every restart point therefore sees the same
// global stream; rank r of W takes positions r, r+W, r+2W, ... (rank_share).
#pragma once
#include <cstdint>
#include <vector>

#include "swag/data/alias_table.hpp"
#include "swag/data/multi_labels.hpp"

namespace swag::data {

struct SamplerOptions {
  double alpha = 0.7;                  // share of samples from head images
  std::int64_t head_threshold = 5000;  // images per class to be a head class
  std::uint64_t seed = 0;
};

class ResamplingSampler {
 public:
  ResamplingSampler(const MultiLabels& labels, const SamplerOptions& options);

  // The image (index into labels) at position g of the epoch.
  std::int64_t image_at(std::uint64_t epoch, std::uint64_t g) const;
  // Whether position g is a head draw (when one group is empty, image_at uses the other).
  bool head_position(std::uint64_t g) const;

  double importance(std::int64_t image) const { return importance_[image]; }
  bool is_head_class(std::int64_t c) const { return frequency_[c] >= options_.head_threshold; }
  bool is_tail_image(std::int64_t image) const { return tail_image_[image] != 0; }
  const std::vector<std::int64_t>& class_frequencies() const { return frequency_; }
  std::int64_t num_head_images() const { return static_cast<std::int64_t>(head_.size()); }
  std::int64_t num_tail_images() const { return static_cast<std::int64_t>(tail_.size()); }

 private:
  SamplerOptions options_;
  std::vector<std::int64_t> frequency_;
  std::vector<double> importance_;
  std::vector<std::uint8_t> tail_image_;
  std::vector<std::int64_t> head_, tail_;  // image indices of each group
  AliasTable head_table_, tail_table_;     // over head_ and tail_, weights I_i
};

// The positions of [begin, end) that rank r of W draws: first, first + stride, ... (count).
struct RankShare {
  std::uint64_t first = 0, stride = 1, count = 0;
};
RankShare rank_share(std::uint64_t begin, std::uint64_t end, int rank, int world);

}  // namespace swag::data
