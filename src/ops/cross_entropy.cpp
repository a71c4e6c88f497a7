#include "swag/ops/cross_entropy.hpp"

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/dispatch.hpp"

namespace swag::ops {

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs) {
  SWAG_CHECK(logits.rank() == 2, "cross_entropy: logits must be [M, C]");
  expect_shape("cross_entropy", "targets", targets, logits.shape());
  expect_shape("cross_entropy", "probs", probs, logits.shape());
  on_cuda("cross_entropy", logits, false);
  return cpu::softmax_cross_entropy_forward(logits, targets, probs);
}

void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits) {
  expect_shape("cross_entropy", "targets", targets, probs.shape());
  expect_shape("cross_entropy", "dlogits", dlogits, probs.shape());
  on_cuda("cross_entropy", probs, false);
  cpu::softmax_cross_entropy_backward(probs, targets, scale, dlogits);
}

}  // namespace swag::ops
