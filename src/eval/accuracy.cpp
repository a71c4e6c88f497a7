#include "swag/eval/accuracy.hpp"

#include "swag/core/error.hpp"

namespace swag::eval {

std::int64_t rank_of(std::span<const float> scores, std::int64_t label) {
  const float s = scores[static_cast<std::size_t>(label)];
  std::int64_t rank = 0;
  for (std::size_t c = 0; c < scores.size(); ++c)
    if (scores[c] > s || (scores[c] == s && static_cast<std::int64_t>(c) < label)) ++rank;
  return rank;
}

TopKCounts count_topk(const Tensor& scores, std::span<const std::int32_t> labels) {
  SWAG_CHECK(
      scores.shape().size() == 2 && scores.shape()[0] == static_cast<std::int64_t>(labels.size()),
      "count_topk: {} scores for {} labels", shape_str(scores.shape()), labels.size());
  const std::int64_t classes = scores.shape()[1];
  TopKCounts counts;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) continue;
    SWAG_CHECK(labels[i] < classes, "count_topk: label {} of {} classes", labels[i], classes);
    const std::int64_t rank =
        rank_of({scores.data<float>() + static_cast<std::int64_t>(i) * classes,
                 static_cast<std::size_t>(classes)},
                labels[i]);
    ++counts.n;
    counts.top1 += rank < 1;
    counts.top5 += rank < 5;
  }
  return counts;
}

}  // namespace swag::eval
