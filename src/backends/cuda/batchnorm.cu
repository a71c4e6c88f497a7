// Batch normalization over the rows of a [rows, C] (NHWC) activation, with the optional fused
// ReLU: the CPU backend's algorithm step for step, per-channel sums in double without atomics.
// How the sums are ordered: doc/gpu.md, "The CUDA backend's reductions".
#include "batchnorm_kernels.hpp"
#include "launch.cuh"
#include "swag/core/float16.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

constexpr std::int64_t kRowsPerSlab = 1024, kMaxSlabs = 128;

std::int64_t slab_count(std::int64_t rows) {
  const std::int64_t s = rows / kRowsPerSlab;
  return s < 1 ? 1 : (s > kMaxSlabs ? kMaxSlabs : s);
}

// partial[k][2c]: sums over slab k of first(r, j) and second(r, j), per channel j.
template <class Terms>
__global__ void slab_sums_kernel(std::int64_t rows, std::int64_t c, std::int64_t slabs, Terms terms,
                                 double* partial) {
  __shared__ double shared[kTileY * kTileX];
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * kTileX + threadIdx.x;
  const std::int64_t k = blockIdx.y;
  const std::int64_t r0 = rows * k / slabs, r1 = rows * (k + 1) / slabs;
  double a = 0.0, b = 0.0;
  if (j < c)
    for (std::int64_t r = r0 + threadIdx.y; r < r1; r += kTileY) {
      const auto t = terms(r, j);
      a += t.first;
      b += t.second;
    }
  a = tile_column_sum(a, shared);
  b = tile_column_sum(b, shared);
  if (threadIdx.y == 0 && j < c) {
    partial[k * 2 * c + j] = a;
    partial[k * 2 * c + c + j] = b;
  }
}

template <class Terms>
void slab_sums(std::int64_t rows, std::int64_t c, std::int64_t slabs, const Terms& terms,
               double* partial) {
  const dim3 grid(static_cast<unsigned>((c + kTileX - 1) / kTileX), static_cast<unsigned>(slabs));
  launch(slab_sums_kernel<Terms>, grid, dim3(kTileX, kTileY), rows, c, slabs, terms, partial);
}

struct Pair {
  double first, second;
};

// x and x^2, in double (as the CPU).
template <class T>
struct MomentTerms {
  const T* x;
  std::int64_t c;
  __device__ Pair operator()(std::int64_t r, std::int64_t j) const {
    const double v = load(x[r * c + j]);
    return {v, v * v};
  }
};

// g (dy behind the fused ReLU's mask) and g * xhat, in float (as the CPU).
template <class T>
struct GradientTerms {
  const T *x, *dy;
  const float *mean, *invstd, *gamma, *beta;
  std::int64_t c;
  bool relu;
  __device__ Pair operator()(std::int64_t r, std::int64_t j) const {
    const float scale = gamma[j] * invstd[j];
    const float centered = load(x[r * c + j]) - mean[j];
    const float g = !relu || centered * scale + beta[j] > 0.0f ? load(dy[r * c + j]) : 0.0f;
    return {g, g * (centered * invstd[j])};
  }
};

// Workspace: slab partials (double [slabs][2c]), the per-channel sums (double [2c + 1]), then
// three float [c] arrays.
struct Scratch {
  double *partial, *sums;
  float *a, *b, *c;
};

Scratch scratch(std::int64_t slabs, std::int64_t c) {
  const auto align = [](std::size_t bytes) { return (bytes + 255) / 256 * 256; };
  const std::size_t partial_bytes = align(sizeof(double) * static_cast<std::size_t>(slabs * 2 * c));
  const std::size_t sum_bytes = align(sizeof(double) * static_cast<std::size_t>(2 * c + 1));
  const std::size_t channel_bytes = align(sizeof(float) * static_cast<std::size_t>(c));
  auto* base =
      static_cast<char*>(context().workspace(partial_bytes + sum_bytes + 3 * channel_bytes));
  auto* f = reinterpret_cast<float*>(base + partial_bytes + sum_bytes);
  const std::size_t stride = channel_bytes / sizeof(float);
  return {reinterpret_cast<double*>(base), reinterpret_cast<double*>(base + partial_bytes), f,
          f + stride, f + 2 * stride};
}

// The slab partials added in slab order, one thread per channel; the row count after them.
// With dgamma and dbeta (backward), also this rank's parameter gradients.
struct ReduceSlabs {
  const double* partial;
  std::int64_t slabs, c;
  double rows;
  double* sums;
  float *dgamma, *dbeta;
  __device__ void operator()(std::int64_t j) const {
    double s = 0.0, q = 0.0;
    for (std::int64_t k = 0; k < slabs; ++k) {
      s += partial[k * 2 * c + j];
      q += partial[k * 2 * c + c + j];
    }
    sums[j] = s;
    sums[c + j] = q;
    if (j == 0) sums[2 * c] = rows;
    if (dbeta) {
      dbeta[j] = static_cast<float>(s);
      dgamma[j] = static_cast<float>(q);
    }
  }
};

// Batch statistics and the running-statistics update, one thread per channel.
struct TrainStats {
  const double* sums;
  std::int64_t c;
  double eps, momentum;
  const float* gamma;
  float *mean, *invstd, *scale, *run_mean, *run_var;
  __device__ void operator()(std::int64_t j) const {
    const double s = sums[j], q = sums[c + j], n = sums[2 * c];
    const double m = s / n;
    const double var = q / n - m * m;
    const double biased = var > 0.0 ? var : 0.0;
    mean[j] = static_cast<float>(m);
    invstd[j] = static_cast<float>(1.0 / sqrt(biased + eps));
    scale[j] = gamma[j] * invstd[j];
    run_mean[j] = static_cast<float>((1.0 - momentum) * run_mean[j] + momentum * m);
    run_var[j] =
        static_cast<float>((1.0 - momentum) * run_var[j] + momentum * biased * n / (n - 1.0));
  }
};

// The training forward's scale from its saved statistics, as TrainStats computed it.
struct SavedScale {
  const float *gamma, *invstd;
  float* scale;
  __device__ void operator()(std::int64_t j) const { scale[j] = gamma[j] * invstd[j]; }
};

struct EvalScale {
  const float *gamma, *var;
  float eps;
  float* scale;
  __device__ void operator()(std::int64_t j) const { scale[j] = gamma[j] / sqrtf(var[j] + eps); }
};

// y = (x - mean) * scale + beta, then the optional ReLU.
template <class T>
struct Normalize {
  const T* x;
  const float *mean, *scale, *beta;
  T* y;
  std::int64_t c;
  bool relu;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t j = i % c;
    const float v = (load(x[i]) - mean[j]) * scale[j] + beta[j];
    y[i] = store_as<T>(relu && v < 0.0f ? 0.0f : v);
  }
};

// The two batch means of the gradient (over the global batch with sync BN), one thread per
// channel.
struct BackwardStats {
  const double* sums;
  std::int64_t c;
  const float *gamma, *invstd;
  float *scale, *mean_g, *mean_gx;
  __device__ void operator()(std::int64_t j) const {
    const double s = sums[j], q = sums[c + j], n = sums[2 * c];
    scale[j] = gamma[j] * invstd[j];
    mean_g[j] = static_cast<float>(s / n);
    mean_gx[j] = static_cast<float>(q / n);
  }
};

// dx = scale * (g - mean(g) - xhat * mean(g * xhat)); dx may alias dy.
template <class T>
struct InputGradient {
  const T *x, *dy;
  const float *mean, *invstd, *beta, *scale, *mean_g, *mean_gx;
  T* dx;
  std::int64_t c;
  bool relu;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t j = i % c;
    const float centered = load(x[i]) - mean[j];
    const bool pass = !relu || centered * scale[j] + beta[j] > 0.0f;
    const float g = pass ? load(dy[i]) : 0.0f;
    dx[i] = store_as<T>(scale[j] * (g - mean_g[j] - centered * invstd[j] * mean_gx[j]));
  }
};

}  // namespace

template <class T>
double* batchnorm_forward_sums(const BatchNormArgs& a, const T* x) {
  const std::int64_t c = a.channels, slabs = slab_count(a.rows);
  const Scratch s = scratch(slabs, c);
  slab_sums(a.rows, c, slabs, MomentTerms<T>{x, c}, s.partial);
  for_each(c,
           ReduceSlabs{s.partial, slabs, c, static_cast<double>(a.rows), s.sums, nullptr, nullptr});
  return s.sums;
}

template <class T>
void batchnorm_forward_apply(const BatchNormArgs& a, const double* sums, const T* x, T* y) {
  const std::int64_t c = a.channels;
  const Scratch s = scratch(slab_count(a.rows), c);  // stage one's (batchnorm_kernels.hpp)
  for_each(c, TrainStats{sums, c, static_cast<double>(a.eps), static_cast<double>(a.momentum),
                         a.gamma, a.save_mean, a.save_invstd, s.a, a.running_mean, a.running_var});
  for_each(a.rows * c, Normalize<T>{x, a.save_mean, s.a, a.beta, y, c, a.relu});
}

template <class T>
void batchnorm_forward_train(const BatchNormArgs& a, const T* x, T* y) {
  batchnorm_forward_apply(a, batchnorm_forward_sums(a, x), x, y);
}

template <class T>
void batchnorm_forward_eval(const BatchNormArgs& a, const T* x, T* y) {
  const std::int64_t c = a.channels;
  const Scratch s = scratch(0, c);
  for_each(c, EvalScale{a.gamma, a.running_var, a.eps, s.a});
  for_each(a.rows * c, Normalize<T>{x, a.running_mean, s.a, a.beta, y, c, a.relu});
}

template <class T>
void batchnorm_forward_saved(const BatchNormArgs& a, const T* x, T* y) {
  const std::int64_t c = a.channels;
  const Scratch s = scratch(0, c);
  for_each(c, SavedScale{a.gamma, a.save_invstd, s.a});
  for_each(a.rows * c, Normalize<T>{x, a.save_mean, s.a, a.beta, y, c, a.relu});
}

template <class T>
double* batchnorm_backward_sums(const BatchNormArgs& a, const T* x, const T* dy, float* dgamma,
                                float* dbeta) {
  const std::int64_t c = a.channels, slabs = slab_count(a.rows);
  const Scratch s = scratch(slabs, c);
  slab_sums(a.rows, c, slabs,
            GradientTerms<T>{x, dy, a.save_mean, a.save_invstd, a.gamma, a.beta, c, a.relu},
            s.partial);
  for_each(c, ReduceSlabs{s.partial, slabs, c, static_cast<double>(a.rows), s.sums, dgamma, dbeta});
  return s.sums;
}

template <class T>
void batchnorm_backward_apply(const BatchNormArgs& a, const double* sums, const T* x, const T* dy,
                              T* dx) {
  const std::int64_t c = a.channels;
  const Scratch s = scratch(slab_count(a.rows), c);  // stage one's (batchnorm_kernels.hpp)
  for_each(c, BackwardStats{sums, c, a.gamma, a.save_invstd, s.a, s.b, s.c});
  for_each(a.rows * c, InputGradient<T>{x, dy, a.save_mean, a.save_invstd, a.beta, s.a, s.b, s.c,
                                        dx, c, a.relu});
}

template <class T>
void batchnorm_backward(const BatchNormArgs& a, const T* x, const T* dy, T* dx, float* dgamma,
                        float* dbeta) {
  batchnorm_backward_apply(a, batchnorm_backward_sums(a, x, dy, dgamma, dbeta), x, dy, dx);
}

#define SWAG_BATCHNORM_INSTANTIATE(T)                                                           \
  template void batchnorm_forward_train<T>(const BatchNormArgs&, const T*, T*);                 \
  template void batchnorm_forward_eval<T>(const BatchNormArgs&, const T*, T*);                  \
  template void batchnorm_forward_saved<T>(const BatchNormArgs&, const T*, T*);                 \
  template void batchnorm_backward<T>(const BatchNormArgs&, const T*, const T*, T*, float*,     \
                                      float*);                                                  \
  template double* batchnorm_forward_sums<T>(const BatchNormArgs&, const T*);                   \
  template void batchnorm_forward_apply<T>(const BatchNormArgs&, const double*, const T*, T*);  \
  template double* batchnorm_backward_sums<T>(const BatchNormArgs&, const T*, const T*, float*, \
                                              float*);                                          \
  template void batchnorm_backward_apply<T>(const BatchNormArgs&, const double*, const T*,      \
                                            const T*, T*);
SWAG_BATCHNORM_INSTANTIATE(float)
SWAG_BATCHNORM_INSTANTIATE(bf16)
SWAG_BATCHNORM_INSTANTIATE(f16)
#undef SWAG_BATCHNORM_INSTANTIATE

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
// The training forward and the backward run in two stages (batchnorm_kernels.hpp); with sync
// BN, the cross-rank sum of the per-channel sums runs between them, on the device buffer: the
// callback must order its work on the context stream (dist::sync_batchnorm over NCCL does), as
// every op here does.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {
namespace {

// The arguments without the saved batch statistics, which only training uses.
kernels::BatchNormArgs args(const ops::BatchNormDesc& d, const ops::BatchNormState& s) {
  require_on_device("batchnorm", {&s.gamma, &s.beta, &s.running_mean, &s.running_var});
  return {d.rows,
          d.channels,
          d.eps,
          d.momentum,
          d.relu,
          s.gamma.data<float>(),
          s.beta.data<float>(),
          s.running_mean.data<float>(),
          s.running_var.data<float>(),
          nullptr,
          nullptr};
}

// With the saved batch statistics, which the training forward writes and the replay and the
// backward read.
kernels::BatchNormArgs saved_args(const ops::BatchNormDesc& d, const ops::BatchNormState& s) {
  require_on_device("batchnorm", {&s.save_mean, &s.save_invstd});
  kernels::BatchNormArgs a = args(d, s);
  a.save_mean = s.save_mean.data<float>();
  a.save_invstd = s.save_invstd.data<float>();
  return a;
}

// Sync BN: sums the 2C + 1 device values (per-channel sums, then the row count) over the ranks.
// Stage two takes up stage one's workspace, so the callback must not have moved it.
void sum_over_ranks(const ops::BatchNormDesc& d, double* sums) {
  if (d.sync == nullptr || !*d.sync) return;
  void* const workspace = context().workspace(0);
  (*d.sync)(sums, 2 * d.channels + 1);
  SWAG_CHECK(context().workspace(0) == workspace,
             "batchnorm: the sync BN sum moved the CUDA workspace that holds the batch sums");
}

}  // namespace

void batchnorm_forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                             Tensor& y) {
  SWAG_CHECK(d.rows > 1, "batchnorm: training needs more than one value per channel");
  require_on_device("batchnorm", {&x, &y});
  const kernels::BatchNormArgs a = saved_args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    double* const sums = kernels::batchnorm_forward_sums(a, x.data<T>());
    sum_over_ranks(d, sums);
    kernels::batchnorm_forward_apply(a, sums, x.data<T>(), y.data<T>());
  });
}

void batchnorm_forward_eval(const ops::BatchNormDesc& d, const Tensor& x,
                            const ops::BatchNormState& s, Tensor& y) {
  require_on_device("batchnorm", {&x, &y});
  const kernels::BatchNormArgs a = args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    kernels::batchnorm_forward_eval(a, x.data<T>(), y.data<T>());
  });
}

void batchnorm_forward_saved(const ops::BatchNormDesc& d, const Tensor& x,
                             const ops::BatchNormState& s, Tensor& y) {
  require_on_device("batchnorm", {&x, &y});
  const kernels::BatchNormArgs a = saved_args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    kernels::batchnorm_forward_saved(a, x.data<T>(), y.data<T>());
  });
}

void batchnorm_backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  require_on_device("batchnorm", {&x, &dy, &dx, &dgamma, &dbeta});
  const kernels::BatchNormArgs a = saved_args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    double* const sums = kernels::batchnorm_backward_sums(
        a, x.data<T>(), dy.data<T>(), dgamma.data<float>(), dbeta.data<float>());
    sum_over_ranks(d, sums);
    kernels::batchnorm_backward_apply(a, sums, x.data<T>(), dy.data<T>(), dx.data<T>());
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
