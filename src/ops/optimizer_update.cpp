#include "swag/ops/optimizer_update.hpp"

#include "swag/backends/cpu/cpu_optimizer.hpp"
#include "swag/ops/dispatch.hpp"

namespace swag::ops {

void sgd_update(const SgdUpdate& u, Tensor& param, const Tensor& grad, Tensor& momentum_buffer) {
  SWAG_CHECK(param.numel() == grad.numel() && param.numel() == momentum_buffer.numel(),
             "sgd_update: sizes {} {} {}", param.numel(), grad.numel(), momentum_buffer.numel());
  on_cuda("sgd_update", param, false);
  cpu::sgd_update(u, param, grad, momentum_buffer);
}

}  // namespace swag::ops
