// Batch normalization over the rows of a [rows, C] (NHWC) activation, with the optional fused
// ReLU. Per-channel statistics are deterministic row sums in double; the row passes keep the
// channel loop innermost and contiguous so it vectorizes. x, y, dy and dx are stored as T
// (float, bf16 or f16, doc/mixed_precision.md): loaded to float, each output rounded once.
#include <vector>

#include "host_parallel.hpp"
#include "row_sums.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cpu {
namespace {

// Per-channel scratch (float): steady-state calls reuse it and allocate nothing.
float* channel_scratch(std::int64_t size) {
  thread_local std::vector<float> v;
  if (v.size() < static_cast<std::size_t>(size)) v.resize(size);
  return v.data();
}

double* sum_scratch(std::int64_t size) {
  thread_local std::vector<double> v;
  if (v.size() < static_cast<std::size_t>(size)) v.resize(size);
  return v.data();
}

// y = (x - mean) * scale + beta, then the optional ReLU.
template <class T>
void normalize(const ops::BatchNormDesc& d, const T* x, const float* mean, const float* scale,
               const float* beta, T* y) {
  const std::int64_t c = d.channels;
  const bool relu = d.relu;
  host_for(
      "swag::batchnorm_normalize", d.rows, KOKKOS_LAMBDA(std::int64_t r) {
        const T* xr = x + r * c;
        T* yr = y + r * c;
        for (std::int64_t j = 0; j < c; ++j) {
          const float v = (load(xr[j]) - mean[j]) * scale[j] + beta[j];
          yr[j] = store_as<T>(relu && v < 0.0f ? 0.0f : v);
        }
      });
}

// scale = gamma * invstd from the saved statistics: the float scale the training forward used.
void saved_scale(const ops::BatchNormState& s, std::int64_t c, float* scale) {
  const float* const gamma = s.gamma.data<float>();
  const float* const invstd = s.save_invstd.data<float>();
  host_for(
      "swag::batchnorm_saved_scale", c,
      KOKKOS_LAMBDA(std::int64_t j) { scale[j] = gamma[j] * invstd[j]; });
}

// Sync BN: sums the first `count` values over the ranks, with the row count appended; returns
// the rows of the whole batch. Without sync, this rank's rows.
double sum_over_ranks(const ops::BatchNormDesc& d, double* sums, std::int64_t count,
                      std::int64_t rows) {
  if (d.sync == nullptr || !*d.sync) return static_cast<double>(rows);
  sums[count] = static_cast<double>(rows);
  (*d.sync)(sums, count + 1);
  return sums[count];
}

template <class T>
void forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                   Tensor& y) {
  const std::int64_t rows = d.rows, c = d.channels;
  SWAG_CHECK(rows > 1, "batchnorm: training needs more than one value per channel");
  const T* const xp = x.data<T>();
  // Sums of x and x² in double: the variance E[x²] - mean² then loses nothing for activations
  // whose mean is far below 1e8 standard deviations.
  double* const sums = sum_scratch(2 * c + 1);
  row_sums(
      rows, 2 * c,
      KOKKOS_LAMBDA(std::int64_t r, double* acc) {
        const T* xr = xp + r * c;
        for (std::int64_t j = 0; j < c; ++j) {
          const double v = load(xr[j]);
          acc[j] += v;
          acc[c + j] += v * v;
        }
      },
      sums);
  const double n = sum_over_ranks(d, sums, 2 * c, rows);

  float* const scale = channel_scratch(c);
  float* const mean = s.save_mean.data<float>();
  float* const invstd = s.save_invstd.data<float>();
  float* const run_mean = s.running_mean.data<float>();
  float* const run_var = s.running_var.data<float>();
  const float* const gamma = s.gamma.data<float>();
  const double eps = d.eps, momentum = d.momentum;
  host_for(
      "swag::batchnorm_stats", c, KOKKOS_LAMBDA(std::int64_t j) {
        const double m = sums[j] / n;
        const double var = sums[c + j] / n - m * m;
        const double biased = var > 0.0 ? var : 0.0;
        mean[j] = static_cast<float>(m);
        invstd[j] = static_cast<float>(1.0 / kmath::sqrt(biased + eps));
        scale[j] = gamma[j] * invstd[j];
        run_mean[j] = static_cast<float>((1.0 - momentum) * run_mean[j] + momentum * m);
        run_var[j] =
            static_cast<float>((1.0 - momentum) * run_var[j] + momentum * biased * n / (n - 1.0));
      });
  normalize(d, xp, mean, scale, s.beta.data<float>(), y.data<T>());
}

template <class T>
void forward_eval(const ops::BatchNormDesc& d, const Tensor& x, const ops::BatchNormState& s,
                  Tensor& y) {
  float* const scale = channel_scratch(d.channels);
  const float* const gamma = s.gamma.data<float>();
  const float* const var = s.running_var.data<float>();
  const float eps = d.eps;
  host_for(
      "swag::batchnorm_eval_scale", d.channels,
      KOKKOS_LAMBDA(std::int64_t j) { scale[j] = gamma[j] / kmath::sqrt(var[j] + eps); });
  normalize(d, x.data<T>(), s.running_mean.data<float>(), scale, s.beta.data<float>(), y.data<T>());
}

// The training forward's normalization again, from its saved statistics: the same float
// scale gamma * invstd, so the same bits.
template <class T>
void forward_saved(const ops::BatchNormDesc& d, const Tensor& x, const ops::BatchNormState& s,
                   Tensor& y) {
  float* const scale = channel_scratch(d.channels);
  saved_scale(s, d.channels, scale);
  normalize(d, x.data<T>(), s.save_mean.data<float>(), scale, s.beta.data<float>(), y.data<T>());
}

// dy where the fused ReLU passed: its pre-activation (x - mean) * scale + beta, recomputed with
// the forward's float operations, is positive. A select, not a branch, so the loops vectorize.
inline float relu_masked(bool relu, float centered, float scale, float beta, float dy) {
  const bool pass = !relu | (centered * scale + beta > 0.0f);
  return pass ? dy : 0.0f;
}

// With g = dy masked by the fused ReLU and xhat = (x - mean) * invstd, the gradient through the
// batch statistics is dx = gamma * invstd * (g - mean(g) - xhat * mean(g * xhat)),
// dgamma = sum(g * xhat), dbeta = sum(g). The ReLU mask is the forward's pre-activation
// (x - mean) * scale + beta > 0, recomputed with the same float operations, so the forward
// output is never read: two passes over x and dy instead of over x, y and dy.
template <class T>
void backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
              const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  const std::int64_t rows = d.rows, c = d.channels;
  const bool relu = d.relu;
  const T* const xp = x.data<T>();
  const T* const dyp = dy.data<T>();
  const float* const mean = s.save_mean.data<float>();
  const float* const invstd = s.save_invstd.data<float>();
  const float* const beta = s.beta.data<float>();

  // Per channel: scale = gamma * invstd (the forward's), and the two batch means above.
  float* const scale = channel_scratch(3 * c);
  float* const mean_g = scale + c;
  float* const mean_gx = scale + 2 * c;
  saved_scale(s, c, scale);

  double* const sums = sum_scratch(2 * c + 1);
  column_sums2(
      rows, c,
      KOKKOS_LAMBDA(std::int64_t r, std::int64_t j) {
        const float centered = load(xp[r * c + j]) - mean[j];
        const float g = relu_masked(relu, centered, scale[j], beta[j], load(dyp[r * c + j]));
        return std::pair<float, float>(g, g * (centered * invstd[j]));
      },
      sums);

  float* const dgp = dgamma.data<float>();
  float* const dbp = dbeta.data<float>();
  host_for(
      "swag::batchnorm_backward_params", c, KOKKOS_LAMBDA(std::int64_t j) {
        dbp[j] = static_cast<float>(sums[j]);
        dgp[j] = static_cast<float>(sums[c + j]);
      });
  const double n = sum_over_ranks(d, sums, 2 * c, rows);
  host_for(
      "swag::batchnorm_backward_stats", c, KOKKOS_LAMBDA(std::int64_t j) {
        mean_g[j] = static_cast<float>(sums[j] / n);
        mean_gx[j] = static_cast<float>(sums[c + j] / n);
      });

  T* const dxp = dx.data<T>();  // may alias dy: each element reads dy before writing
  host_for(
      "swag::batchnorm_backward_dx", rows, KOKKOS_LAMBDA(std::int64_t r) {
        const std::int64_t o = r * c;
        for (std::int64_t j = 0; j < c; ++j) {
          const float centered = load(xp[o + j]) - mean[j];
          const float g = relu_masked(relu, centered, scale[j], beta[j], load(dyp[o + j]));
          dxp[o + j] = store_as<T>(scale[j] * (g - mean_g[j] - centered * invstd[j] * mean_gx[j]));
        }
      });
}

}  // namespace

void batchnorm_forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                             Tensor& y) {
  visit_float_type(x.dtype(), "batchnorm x",
                   [&](auto t) { forward_train<decltype(t)>(d, x, s, y); });
}

void batchnorm_forward_eval(const ops::BatchNormDesc& d, const Tensor& x,
                            const ops::BatchNormState& s, Tensor& y) {
  visit_float_type(x.dtype(), "batchnorm x",
                   [&](auto t) { forward_eval<decltype(t)>(d, x, s, y); });
}

void batchnorm_forward_saved(const ops::BatchNormDesc& d, const Tensor& x,
                             const ops::BatchNormState& s, Tensor& y) {
  visit_float_type(x.dtype(), "batchnorm x",
                   [&](auto t) { forward_saved<decltype(t)>(d, x, s, y); });
}

void batchnorm_backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  visit_float_type(x.dtype(), "batchnorm x",
                   [&](auto t) { backward<decltype(t)>(d, x, dy, s, dx, dgamma, dbeta); });
}

}  // namespace swag::cpu
