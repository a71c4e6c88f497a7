// Global average pooling over the H*W rows of each NHWC sample, as the CPU backend
// (src/backends/cpu/pool.cpp): sums in double of the values loaded from the storage type T, times
// 1 / (H*W) in double, rounded to float and then once to T.
#include "kernels.hpp"
#include "sample_sums.cuh"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

template <class T>
struct PoolTerm {
  const T* x;
  std::int64_t hw, c;
  __device__ double operator()(std::int64_t s, std::int64_t p, std::int64_t j) const {
    return load(x[(s * hw + p) * c + j]);
  }
};
template <class T>
struct PoolFinish {
  T* y;
  double inv;
  __device__ void operator()(double sum, std::int64_t o) const {
    y[o] = store_as<T>(static_cast<float>(sum * inv));
  }
};

// dx[s, p, j] (+)= dy[s, j] * (1 / hw) in float; overwrite mode never reads dx.
template <class T>
struct PoolBackward {
  const T* dy;
  T* dx;
  std::int64_t hw, c;
  float inv;
  bool accumulate;
  __device__ void operator()(std::int64_t i) const {
    const float g = load(dy[i / (hw * c) * c + i % c]) * inv;
    dx[i] = store_as<T>(accumulate ? load(dx[i]) + g : g);
  }
};

}  // namespace

template <class T>
void global_avg_pool_forward(const T* x, T* y, std::int64_t n, std::int64_t hw, std::int64_t c) {
  sample_sums(n, hw, c, PoolTerm<T>{x, hw, c}, PoolFinish<T>{y, 1.0 / static_cast<double>(hw)});
}

template <class T>
void global_avg_pool_backward(const T* dy, T* dx, std::int64_t n, std::int64_t hw, std::int64_t c,
                              bool accumulate) {
  for_each(n * hw * c, PoolBackward<T>{dy, dx, hw, c, 1.0f / static_cast<float>(hw), accumulate});
}

#define SWAG_INSTANTIATE_POOL(T)                                                      \
  template void global_avg_pool_forward<T>(const T*, T*, std::int64_t, std::int64_t,  \
                                           std::int64_t);                             \
  template void global_avg_pool_backward<T>(const T*, T*, std::int64_t, std::int64_t, \
                                            std::int64_t, bool);
SWAG_INSTANTIATE_POOL(float)
SWAG_INSTANTIATE_POOL(bf16)
SWAG_INSTANTIATE_POOL(f16)

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void global_avg_pool_forward(const Tensor& x, Tensor& y) {
  require_on_device("global_avg_pool", {&x, &y});
  visit_float_type(x.dtype(), "global_avg_pool_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::global_avg_pool_forward(x.data<T>(), y.data<T>(), x.dim(0), x.dim(1) * x.dim(2),
                                     x.dim(3));
  });
}

void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate) {
  require_on_device("global_avg_pool", {&dy, &dx});
  visit_float_type(dx.dtype(), "global_avg_pool_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::global_avg_pool_backward(dy.data<T>(), dx.data<T>(), dx.dim(0), dx.dim(1) * dx.dim(2),
                                      dx.dim(3), accumulate);
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
