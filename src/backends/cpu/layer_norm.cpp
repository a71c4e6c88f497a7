// LayerNorm over the rows of a [rows, features] activation: one row per work item for the
// statistics and dx, deterministic column sums for dgamma and dbeta. x, y, dy and dx are stored
// as T (float, bf16 or f16, doc/mixed_precision.md): loaded to float, each output rounded once.
#include <vector>

#include "host_parallel.hpp"
#include "lane_sum.hpp"
#include "row_sums.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"
#include "swag/ops/element_math.hpp"

namespace swag::cpu {
namespace {

// Two passes per row (mean, then the mean square of x - mean): no cancellation for rows whose
// mean is large against their spread.
template <class T>
void forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma, const Tensor& beta,
             Tensor& y, Tensor& mean, Tensor& rstd) {
  const std::int64_t n = d.features;
  const double eps = d.eps;
  const T* const xp = x.data<T>();
  const float* const gp = gamma.data<float>();
  const float* const bp = beta.data<float>();
  T* const yp = y.data<T>();
  float* const mp = mean.data<float>();
  float* const rp = rstd.data<float>();
  host_for(
      "swag::layer_norm_forward", d.rows, KOKKOS_LAMBDA(std::int64_t r) {
        const T* xr = xp + r * n;
        const float m = static_cast<float>(
            lane_sum(n, [&](std::int64_t j) { return load(xr[j]); }) / static_cast<double>(n));
        const double var = lane_sum(n,
                                    [&](std::int64_t j) {
                                      const float c = load(xr[j]) - m;
                                      return c * c;
                                    }) /
                           static_cast<double>(n);
        const float s = static_cast<float>(1.0 / kmath::sqrt(var + eps));
        mp[r] = m;
        rp[r] = s;
        T* yr = yp + r * n;
        for (std::int64_t j = 0; j < n; ++j)
          yr[j] = store_as<T>(ops::math::layer_norm(load(xr[j]), m, s, gp[j], bp[j]));
      });
}

// With g = dy * gamma and xhat = (x - mean) * rstd, per row:
// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); dgamma = sum over rows of dy * xhat and
// dbeta = sum of dy.
template <class T>
void backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy, const Tensor& gamma,
              const Tensor& mean, const Tensor& rstd, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  const std::int64_t n = d.features;
  const T* const xp = x.data<T>();
  const T* const dyp = dy.data<T>();
  const float* const gp = gamma.data<float>();
  const float* const mp = mean.data<float>();
  const float* const rp = rstd.data<float>();
  T* const dxp = dx.data<T>();
  host_for(
      "swag::layer_norm_backward_dx", d.rows, KOKKOS_LAMBDA(std::int64_t r) {
        const T* xr = xp + r * n;
        const T* dyr = dyp + r * n;
        const float m = mp[r], s = rp[r];
        const double inv_n = 1.0 / static_cast<double>(n);
        const auto mean_g = static_cast<float>(
            lane_sum(n, [&](std::int64_t j) { return load(dyr[j]) * gp[j]; }) * inv_n);
        const auto mean_gx = static_cast<float>(
            lane_sum(
                n, [&](std::int64_t j) { return load(dyr[j]) * gp[j] * ((load(xr[j]) - m) * s); }) *
            inv_n);
        T* dxr = dxp + r * n;
        for (std::int64_t j = 0; j < n; ++j)
          dxr[j] =
              store_as<T>(s * (load(dyr[j]) * gp[j] - mean_g - (load(xr[j]) - m) * s * mean_gx));
      });

  thread_local std::vector<double> sums;  // grows once; steady-state calls allocate nothing
  sums.resize(2 * n);
  column_sums2(
      d.rows, n,
      KOKKOS_LAMBDA(std::int64_t r, std::int64_t j) {
        const float g = load(dyp[r * n + j]);
        return std::pair<float, float>(g * ((load(xp[r * n + j]) - mp[r]) * rp[r]), g);
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

}  // namespace

void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd) {
  visit_float_type(x.dtype(), "layer_norm x",
                   [&](auto t) { forward<decltype(t)>(d, x, gamma, beta, y, mean, rstd); });
}

void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta) {
  visit_float_type(x.dtype(), "layer_norm x", [&](auto t) {
    backward<decltype(t)>(d, x, dy, gamma, mean, rstd, dx, dgamma, dbeta);
  });
}

}  // namespace swag::cpu
