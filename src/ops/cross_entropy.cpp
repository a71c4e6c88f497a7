#include "swag/ops/cross_entropy.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs) {
  SWAG_CHECK(logits.rank() == 2 && logits.dim(1) > 0,
             "cross_entropy: logits must be [M, C] with C > 0, not {}", shape_str(logits.shape()));
  expect_shape("cross_entropy", "targets", targets, logits.shape());
  expect_shape("cross_entropy", "probs", probs, logits.shape());
  activation_dtype("cross_entropy", {{"logits", &logits}});
  expect_f32("cross_entropy", "targets", targets);
  expect_f32("cross_entropy", "probs", probs);
  return SWAG_BACKEND_CALL(on_cuda("cross_entropy", logits, true), softmax_cross_entropy_forward,
                           logits, targets, probs);
}

void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits) {
  expect_shape("cross_entropy", "targets", targets, probs.shape());
  expect_shape("cross_entropy", "dlogits", dlogits, probs.shape());
  activation_dtype("cross_entropy", {{"dlogits", &dlogits}});
  expect_f32("cross_entropy", "probs", probs);
  expect_f32("cross_entropy", "targets", targets);
  SWAG_BACKEND_CALL(on_cuda("cross_entropy", probs, true), softmax_cross_entropy_backward, probs,
                    targets, scale, dlogits);
}

}  // namespace swag::ops
