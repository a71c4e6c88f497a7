// Top-k accuracy counts (§4.1: top-1 and top-5 on the evaluation set).
#pragma once
#include <cstdint>
#include <span>

#include "swag/core/tensor.hpp"

namespace swag::eval {

struct TopKCounts {
  std::int64_t top1 = 0, top5 = 0, n = 0;
  double top1_accuracy() const {
    return n ? static_cast<double>(top1) / static_cast<double>(n) : 0;
  }
  double top5_accuracy() const {
    return n ? static_cast<double>(top5) / static_cast<double>(n) : 0;
  }
};

// The rank of `label` in a row of scores: the classes that score higher, or as high with a lower
// index (so ties never count twice). Correct within top-k when the rank is below k.
std::int64_t rank_of(std::span<const float> scores, std::int64_t label);

// Counts rows of scores [N, C] against labels (N entries; -1: not counted).
TopKCounts count_topk(const Tensor& scores, std::span<const std::int32_t> labels);

}  // namespace swag::eval
