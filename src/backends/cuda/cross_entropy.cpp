// Softmax cross-entropy on the GPU: tensor checks here, kernels in cross_entropy.cu.
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs) {
  require_on_device("cross_entropy", {&logits, &targets, &probs});
  return visit_float_type(logits.dtype(), "softmax_cross_entropy_forward", [&](auto tag) {
    using T = decltype(tag);
    return kernels::softmax_cross_entropy_forward(
        logits.data<T>(), targets.data<float>(), probs.data<float>(), logits.dim(0), logits.dim(1));
  });
}

void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits) {
  require_on_device("cross_entropy", {&probs, &targets, &dlogits});
  visit_float_type(dlogits.dtype(), "softmax_cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::softmax_cross_entropy_backward(probs.data<float>(), targets.data<float>(), scale,
                                            dlogits.data<T>(), probs.dim(0), probs.dim(1));
  });
}

}  // namespace swag::cuda
