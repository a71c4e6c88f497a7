#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_optimizer.hpp"

namespace swag::cpu {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer) {
  float* const p = param.data<float>();
  const float* const g = grad.data<float>();
  float* const buf = momentum_buffer.data<float>();
  host_for(
      "swag::sgd_update", param.numel(), KOKKOS_LAMBDA(std::int64_t i) {
        const float gi = g[i] + u.weight_decay * p[i];
        const float b = u.first_step ? gi : u.momentum * buf[i] + gi;
        buf[i] = b;
        p[i] -= u.lr * (u.nesterov ? gi + u.momentum * b : b);
      });
}

}  // namespace swag::cpu
