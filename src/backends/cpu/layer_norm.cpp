// LayerNorm over the rows of a [rows, features] activation: one row per work item for the
// statistics and dx, deterministic column sums for dgamma and dbeta.
#include <vector>

#include "host_parallel.hpp"
#include "lane_sum.hpp"
#include "row_sums.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/element_math.hpp"

namespace swag::cpu {

// Two passes per row (mean, then the mean square of x - mean): no cancellation for rows whose
// mean is large against their spread.
void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd) {
  const std::int64_t n = d.features;
  const double eps = d.eps;
  const float* const xp = x.data<float>();
  const float* const gp = gamma.data<float>();
  const float* const bp = beta.data<float>();
  float* const yp = y.data<float>();
  float* const mp = mean.data<float>();
  float* const rp = rstd.data<float>();
  host_for(
      "swag::layer_norm_forward", d.rows, KOKKOS_LAMBDA(std::int64_t r) {
        const float* xr = xp + r * n;
        const float m = static_cast<float>(lane_sum(n, [&](std::int64_t j) { return xr[j]; }) /
                                           static_cast<double>(n));
        const double var = lane_sum(n,
                                    [&](std::int64_t j) {
                                      const float c = xr[j] - m;
                                      return c * c;
                                    }) /
                           static_cast<double>(n);
        const float s = static_cast<float>(1.0 / kmath::sqrt(var + eps));
        mp[r] = m;
        rp[r] = s;
        float* yr = yp + r * n;
        for (std::int64_t j = 0; j < n; ++j)
          yr[j] = ops::math::layer_norm(xr[j], m, s, gp[j], bp[j]);
      });
}

// With g = dy * gamma and xhat = (x - mean) * rstd, per row:
// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); dgamma = sum over rows of dy * xhat and
// dbeta = sum of dy.
void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta) {
  const std::int64_t n = d.features;
  const float* const xp = x.data<float>();
  const float* const dyp = dy.data<float>();
  const float* const gp = gamma.data<float>();
  const float* const mp = mean.data<float>();
  const float* const rp = rstd.data<float>();
  float* const dxp = dx.data<float>();
  host_for(
      "swag::layer_norm_backward_dx", d.rows, KOKKOS_LAMBDA(std::int64_t r) {
        const float* xr = xp + r * n;
        const float* dyr = dyp + r * n;
        const float m = mp[r], s = rp[r];
        const double inv_n = 1.0 / static_cast<double>(n);
        const auto mean_g =
            static_cast<float>(lane_sum(n, [&](std::int64_t j) { return dyr[j] * gp[j]; }) * inv_n);
        const auto mean_gx = static_cast<float>(
            lane_sum(n, [&](std::int64_t j) { return dyr[j] * gp[j] * ((xr[j] - m) * s); }) *
            inv_n);
        float* dxr = dxp + r * n;
        for (std::int64_t j = 0; j < n; ++j)
          dxr[j] = s * (dyr[j] * gp[j] - mean_g - (xr[j] - m) * s * mean_gx);
      });

  thread_local std::vector<double> sums;  // grows once; steady-state calls allocate nothing
  sums.resize(2 * n);
  column_sums2(
      d.rows, n,
      KOKKOS_LAMBDA(std::int64_t r, std::int64_t j) {
        const float g = dyp[r * n + j];
        return std::pair<float, float>(g * ((xp[r * n + j] - mp[r]) * rp[r]), g);
      },
      sums.data());
  const double* const sp = sums.data();
  float* const dgp = dgamma.data<float>();
  float* const dbp = dbeta.data<float>();
  host_for(
      "swag::layer_norm_backward_params", n, KOKKOS_LAMBDA(std::int64_t j) {
        dgp[j] = static_cast<float>(sp[j]);
        dbp[j] = static_cast<float>(sp[n + j]);
      });
}

}  // namespace swag::cpu
