#include <algorithm>
#include <cmath>
#include <vector>

#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

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

void adamw_update(const ops::AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m,
                  Tensor& v) {
  float* const p = param.data<float>();
  const float* const g = grad.data<float>();
  float* const mp = m.data<float>();
  float* const vp = v.data<float>();
  const auto t = static_cast<double>(u.step);
  const float correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(u.beta1), t));
  const float root_correction2 =
      static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(u.beta2), t)));
  host_for(
      "swag::adamw_update", param.numel(), KOKKOS_LAMBDA(std::int64_t i) {
        p[i] *= 1.0f - u.lr * u.weight_decay;
        mp[i] = u.beta1 * mp[i] + (1.0f - u.beta1) * g[i];
        vp[i] = u.beta2 * vp[i] + (1.0f - u.beta2) * g[i] * g[i];
        const float denom = kmath::sqrt(vp[i]) / root_correction2 + u.eps;
        p[i] -= u.lr / correction1 * mp[i] / denom;
      });
}

double sum_of_squares(const Tensor& x) {
  // Fixed blocks summed in a fixed order: the same value on any number of threads.
  constexpr std::int64_t kBlock = 1 << 16;
  const float* const xp = x.data<float>();
  const std::int64_t n = x.numel(), blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks));
  double* const part = partial.data();
  host_for(
      "swag::sum_of_squares", blocks, KOKKOS_LAMBDA(std::int64_t b) {
        double s = 0.0;
        const std::int64_t end = (b + 1) * kBlock < n ? (b + 1) * kBlock : n;
        for (std::int64_t i = b * kBlock; i < end; ++i) s += static_cast<double>(xp[i]) * xp[i];
        part[b] = s;
      });
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

void scale(Tensor& x, float factor) {
  float* const xp = x.data<float>();
  host_for(
      "swag::scale", x.numel(), KOKKOS_LAMBDA(std::int64_t i) { xp[i] *= factor; });
}

void ema_update(Tensor& average, const Tensor& current, float keep, float take) {
  float* const a = average.data<float>();
  const float* const x = current.data<float>();
  host_for(
      "swag::ema_update", average.numel(),
      KOKKOS_LAMBDA(std::int64_t i) { a[i] = keep * a[i] + take * x[i]; });
}

void swap_values(Tensor& a, Tensor& b) {
  std::swap_ranges(a.data<float>(), a.data<float>() + a.numel(), b.data<float>());
}

}  // namespace swag::cpu
