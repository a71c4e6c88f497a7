// Layer normalization over the rows of a [rows, n] activation, the CPU backend's arithmetic step
// for step, one warp per row; dgamma and dbeta deterministic column sums in double.
// How the sums are ordered: doc/gpu.md, "The CUDA backend's reductions".
#include "layer_norm_kernels.hpp"
#include "row_reduce.cuh"
#include "swag/core/float16.hpp"
#include "swag/ops/element_math.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

template <class T>
__global__ void layer_norm_forward_rows(const T* x, const float* gamma, const float* beta, T* y,
                                        float* mean, float* rstd, std::int64_t rows, std::int64_t n,
                                        double eps) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  const T* xr = x + r * n;
  double s = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) s += load(xr[j]);
  const auto m = static_cast<float>(warp_sum(s) / static_cast<double>(n));
  double q = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) {
    const float c = load(xr[j]) - m;
    q += c * c;
  }
  const double var = warp_sum(q) / static_cast<double>(n);
  const auto rs = static_cast<float>(1.0 / sqrt(var + eps));
  if (lane == 0) {
    mean[r] = m;
    rstd[r] = rs;
  }
  T* yr = y + r * n;
  for (std::int64_t j = lane; j < n; j += kWarp)
    yr[j] = store_as<T>(ops::math::layer_norm(load(xr[j]), m, rs, gamma[j], beta[j]));
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma, xhat = (x - mean) * rstd.
template <class T>
__global__ void layer_norm_backward_rows(const T* x, const T* dy, const float* gamma,
                                         const float* mean, const float* rstd, T* dx,
                                         std::int64_t rows, std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  const T* xr = x + r * n;
  const T* dyr = dy + r * n;
  const float m = mean[r], s = rstd[r];
  double sg = 0.0, sgx = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) {
    sg += load(dyr[j]) * gamma[j];
    sgx += load(dyr[j]) * gamma[j] * ((load(xr[j]) - m) * s);
  }
  const double inv_n = 1.0 / static_cast<double>(n);
  const auto mean_g = static_cast<float>(warp_sum(sg) * inv_n);
  const auto mean_gx = static_cast<float>(warp_sum(sgx) * inv_n);
  T* dxr = dx + r * n;
  for (std::int64_t j = lane; j < n; j += kWarp)
    dxr[j] = store_as<T>(s * (load(dyr[j]) * gamma[j] - mean_g - (load(xr[j]) - m) * s * mean_gx));
}

constexpr std::int64_t kRowsPerSlab = 256, kMaxSlabs = 256;

std::int64_t slab_count(std::int64_t rows) {
  const std::int64_t s = rows / kRowsPerSlab;
  return s < 1 ? 1 : (s > kMaxSlabs ? kMaxSlabs : s);
}

// partial[k][j] = sum over slab k of dy * xhat, partial[k][n + j] = sum of dy, per feature j; the
// terms in float, as the CPU's.
template <class T>
__global__ void layer_norm_param_slabs(const T* x, const T* dy, const float* mean,
                                       const float* rstd, std::int64_t rows, std::int64_t n,
                                       std::int64_t slabs, double* partial) {
  __shared__ double shared[kTileY * kTileX];
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * kTileX + threadIdx.x;
  const std::int64_t k = blockIdx.y;
  const std::int64_t r0 = rows * k / slabs, r1 = rows * (k + 1) / slabs;
  double a = 0.0, b = 0.0;
  if (j < n)
    for (std::int64_t r = r0 + threadIdx.y; r < r1; r += kTileY) {
      const float g = load(dy[r * n + j]);
      a += g * ((load(x[r * n + j]) - mean[r]) * rstd[r]);
      b += g;
    }
  a = tile_column_sum(a, shared);
  b = tile_column_sum(b, shared);
  if (threadIdx.y == 0 && j < n) {
    partial[k * 2 * n + j] = a;
    partial[k * 2 * n + n + j] = b;
  }
}

struct ParamGradients {
  const double* partial;
  std::int64_t slabs, n;
  float *dgamma, *dbeta;
  __device__ void operator()(std::int64_t j) const {
    double a = 0.0, b = 0.0;
    for (std::int64_t k = 0; k < slabs; ++k) {
      a += partial[k * 2 * n + j];
      b += partial[k * 2 * n + n + j];
    }
    dgamma[j] = static_cast<float>(a);
    dbeta[j] = static_cast<float>(b);
  }
};

}  // namespace

template <class T>
void layer_norm_forward(const T* x, const float* gamma, const float* beta, T* y, float* mean,
                        float* rstd, std::int64_t rows, std::int64_t n, float eps) {
  if (n <= 0) return;
  launch_rows(layer_norm_forward_rows<T>, rows, x, gamma, beta, y, mean, rstd, rows, n,
              static_cast<double>(eps));
}

template <class T>
void layer_norm_backward(const T* x, const T* dy, const float* gamma, const float* mean,
                         const float* rstd, T* dx, float* dgamma, float* dbeta, std::int64_t rows,
                         std::int64_t n) {
  if (n <= 0) return;
  launch_rows(layer_norm_backward_rows<T>, rows, x, dy, gamma, mean, rstd, dx, rows, n);
  const std::int64_t slabs = slab_count(rows);
  auto* partial = static_cast<double*>(
      context().workspace(sizeof(double) * static_cast<std::size_t>(slabs * 2 * n)));
  if (rows > 0) {
    const dim3 grid(static_cast<unsigned>((n + kTileX - 1) / kTileX), static_cast<unsigned>(slabs));
    launch(layer_norm_param_slabs<T>, grid, dim3(kTileX, kTileY), x, dy, mean, rstd, rows, n, slabs,
           partial);
  } else {  // no rows: the sums are 0
    SWAG_CUDA_CHECK(cudaMemsetAsync(partial, 0, sizeof(double) * static_cast<std::size_t>(2 * n),
                                    context().stream()));
  }
  for_each(n, ParamGradients{partial, slabs, n, dgamma, dbeta});
}

#define SWAG_LAYER_NORM_INSTANTIATE(T)                                                          \
  template void layer_norm_forward<T>(const T*, const float*, const float*, T*, float*, float*, \
                                      std::int64_t, std::int64_t, float);                       \
  template void layer_norm_backward<T>(const T*, const T*, const float*, const float*,          \
                                       const float*, T*, float*, float*, std::int64_t,          \
                                       std::int64_t);
SWAG_LAYER_NORM_INSTANTIATE(float)
SWAG_LAYER_NORM_INSTANTIATE(bf16)
SWAG_LAYER_NORM_INSTANTIATE(f16)
#undef SWAG_LAYER_NORM_INSTANTIATE

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd) {
  require_on_device("layer_norm", {&x, &gamma, &beta, &y, &mean, &rstd});
  visit_float_type(x.dtype(), "layer_norm x", [&](auto t) {
    using T = decltype(t);
    kernels::layer_norm_forward(x.data<T>(), gamma.data<float>(), beta.data<float>(), y.data<T>(),
                                mean.data<float>(), rstd.data<float>(), d.rows, d.features, d.eps);
  });
}

void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta) {
  require_on_device("layer_norm", {&x, &dy, &gamma, &mean, &rstd, &dx, &dgamma, &dbeta});
  visit_float_type(x.dtype(), "layer_norm x", [&](auto t) {
    using T = decltype(t);
    kernels::layer_norm_backward(x.data<T>(), dy.data<T>(), gamma.data<float>(), mean.data<float>(),
                                 rstd.data<float>(), dx.data<T>(), dgamma.data<float>(),
                                 dbeta.data<float>(), d.rows, d.features);
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
