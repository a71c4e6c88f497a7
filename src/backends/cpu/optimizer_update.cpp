#include <Kokkos_Core.hpp>

#include "swag/backends/cpu/cpu_optimizer.hpp"

namespace swag::cpu {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer) {
  float* p = param.data<float>();
  const float* g = grad.data<float>();
  float* buf = momentum_buffer.data<float>();
  const ops::SgdUpdate c = u;
  Kokkos::parallel_for("sgd_update",
                       Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, param.numel()),
                       [=](std::int64_t i) {
                         const float gi = g[i] + c.weight_decay * p[i];
                         const float b = c.first_step ? gi : c.momentum * buf[i] + gi;
                         buf[i] = b;
                         p[i] -= c.lr * (c.nesterov ? gi + c.momentum * b : b);
                       });
}

}  // namespace swag::cpu
