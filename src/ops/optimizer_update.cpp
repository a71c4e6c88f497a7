#include "swag/ops/optimizer_update.hpp"

#include "swag/backends/cpu/cpu_optimizer.hpp"
#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/cuda_ops.hpp"
#endif

namespace swag::ops {

void sgd_update(const SgdUpdate& u, Tensor& param, const Tensor& grad, Tensor& momentum_buffer) {
  SWAG_CHECK(param.numel() == grad.numel() && param.numel() == momentum_buffer.numel(),
             "sgd_update: sizes {} {} {}", param.numel(), grad.numel(), momentum_buffer.numel());
  on_cuda("sgd_update", param, false);
  cpu::sgd_update(u, param, grad, momentum_buffer);
}

void adamw_update(const AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m, Tensor& v) {
  SWAG_CHECK(
      param.numel() == grad.numel() && param.numel() == m.numel() && param.numel() == v.numel(),
      "adamw_update: sizes {} {} {} {}", param.numel(), grad.numel(), m.numel(), v.numel());
  SWAG_CHECK(u.step >= 1, "adamw_update: step {} (1-based)", u.step);
  on_cuda("adamw_update", param, false);
  cpu::adamw_update(u, param, grad, m, v);
}

double sum_of_squares(const Tensor& x) {
  on_cuda("sum_of_squares", x, false);
  return cpu::sum_of_squares(x);
}

void scale(Tensor& x, float factor) {
  if (on_cuda("scale", x, true)) {
#ifdef SWAG_WITH_CUDA
    return cuda::scale(x, factor);
#endif
  }
  cpu::scale(x, factor);
}

}  // namespace swag::ops
