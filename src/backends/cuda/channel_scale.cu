// Channel-wise scaling of an NHWC activation by a per-sample [N, C] factor (the excitation step
// of squeeze-and-excitation), as the CPU backend (src/backends/cpu/channel_scale.cpp): values
// loaded from the storage type T, fp32 (products) and double (sums) arithmetic, each output
// rounded once to T.
#include "kernels.hpp"
#include "sample_sums.cuh"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

// y[s, p, j] = x[s, p, j] * scale[s, j].
template <class T>
struct Scale {
  const T *x, *scale;
  T* y;
  std::int64_t hw, c;
  __device__ void operator()(std::int64_t i) const {
    y[i] = store_as<T>(load(x[i]) * load(scale[i / (hw * c) * c + i % c]));
  }
};

// dscale[s, j] = sum over p of dy * x, products and sum in double.
template <class T>
struct ScaleGradTerm {
  const T *x, *dy;
  std::int64_t hw, c;
  __device__ double operator()(std::int64_t s, std::int64_t p, std::int64_t j) const {
    const std::int64_t o = (s * hw + p) * c + j;
    return static_cast<double>(load(dy[o])) * load(x[o]);
  }
};
template <class T>
struct StoreRounded {
  T* out;
  __device__ void operator()(double sum, std::int64_t o) const {
    out[o] = store_as<T>(static_cast<float>(sum));
  }
};

}  // namespace

template <class T>
void channel_scale_forward(const T* x, const T* scale, T* y, std::int64_t n, std::int64_t hw,
                           std::int64_t c) {
  for_each(n * hw * c, Scale<T>{x, scale, y, hw, c});
}

template <class T>
void channel_scale_backward(const T* x, const T* scale, const T* dy, T* dx, T* dscale,
                            std::int64_t n, std::int64_t hw, std::int64_t c) {
  // dscale first: dx may alias dy.
  sample_sums(n, hw, c, ScaleGradTerm<T>{x, dy, hw, c}, StoreRounded<T>{dscale});
  for_each(n * hw * c, Scale<T>{dy, scale, dx, hw, c});
}

#define SWAG_INSTANTIATE_CHANNEL_SCALE(T)                                                     \
  template void channel_scale_forward<T>(const T*, const T*, T*, std::int64_t, std::int64_t,  \
                                         std::int64_t);                                       \
  template void channel_scale_backward<T>(const T*, const T*, const T*, T*, T*, std::int64_t, \
                                          std::int64_t, std::int64_t);
SWAG_INSTANTIATE_CHANNEL_SCALE(float)
SWAG_INSTANTIATE_CHANNEL_SCALE(bf16)
SWAG_INSTANTIATE_CHANNEL_SCALE(f16)

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y) {
  require_on_device("channel_scale", {&x, &scale, &y});
  visit_float_type(x.dtype(), "channel_scale_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::channel_scale_forward(x.data<T>(), scale.data<T>(), y.data<T>(), x.dim(0),
                                   x.dim(1) * x.dim(2), x.dim(3));
  });
}

void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale) {
  require_on_device("channel_scale", {&x, &scale, &dy, &dx, &dscale});
  visit_float_type(x.dtype(), "channel_scale_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::channel_scale_backward(x.data<T>(), scale.data<T>(), dy.data<T>(), dx.data<T>(),
                                    dscale.data<T>(), x.dim(0), x.dim(1) * x.dim(2), x.dim(3));
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
