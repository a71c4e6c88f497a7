// Element-wise kernels. The formulas are the CPU backend's (src/backends/cpu/elementwise.cpp):
// GELU and the tanh gradient come from ops/element_math.hpp, written once for both backends;
// sigmoid and tanh use CUDA's expf and tanhf (within 2 ulp; the CPU uses libm's). Inputs of
// storage type T are loaded to float and each output rounded once to T, as on the CPU.
#include "kernels.hpp"
#include "launch.cuh"
#include "swag/ops/element_math.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

template <class T>
struct Relu {
  const T* x;
  T* y;
  __device__ void operator()(std::int64_t i) const {
    const float v = load(x[i]);
    y[i] = store_as<T>(v > 0.0f ? v : 0.0f);
  }
};
template <class T>
struct ReluBackward {
  const T *y, *dy;
  T* dx;
  __device__ void operator()(std::int64_t i) const {
    dx[i] = store_as<T>(load(y[i]) > 0.0f ? load(dy[i]) : 0.0f);
  }
};
template <class T>
struct Sigmoid {
  const T* x;
  T* y;
  // expf(-x) overflows to inf for x < -88, which still gives the right limit 0.
  __device__ void operator()(std::int64_t i) const {
    y[i] = store_as<T>(1.0f / (1.0f + expf(-load(x[i]))));
  }
};
template <class T>
struct SigmoidBackward {
  const T *y, *dy;
  T* dx;
  __device__ void operator()(std::int64_t i) const {
    const float s = load(y[i]);
    dx[i] = store_as<T>(load(dy[i]) * s * (1.0f - s));
  }
};
template <class T>
struct Gelu {
  const T* x;
  T* y;
  __device__ void operator()(std::int64_t i) const {
    y[i] = store_as<T>(ops::math::gelu(load(x[i])));
  }
};
template <class T>
struct GeluBackward {
  const T *x, *dy;
  T* dx;
  __device__ void operator()(std::int64_t i) const {
    dx[i] = store_as<T>(load(dy[i]) * ops::math::gelu_grad(load(x[i])));
  }
};
template <class T>
struct Tanh {
  const T* x;
  T* y;
  __device__ void operator()(std::int64_t i) const { y[i] = store_as<T>(tanhf(load(x[i]))); }
};
template <class T>
struct TanhBackward {
  const T *y, *dy;
  T* dx;
  __device__ void operator()(std::int64_t i) const {
    dx[i] = store_as<T>(load(dy[i]) * ops::math::tanh_grad_from_output(load(y[i])));
  }
};
template <class T>
struct Add {
  const T *a, *b;
  T* y;
  bool relu;
  __device__ void operator()(std::int64_t i) const {
    const float v = load(a[i]) + load(b[i]);
    y[i] = store_as<T>(relu && v < 0.0f ? 0.0f : v);
  }
};
template <class T>
struct Accumulate {
  const T* x;
  T* y;
  __device__ void operator()(std::int64_t i) const { y[i] = store_as<T>(load(y[i]) + load(x[i])); }
};
struct Scale {
  float* x;
  float factor;
  __device__ void operator()(std::int64_t i) const { x[i] *= factor; }
};

}  // namespace

template <class T>
void relu_forward(const T* x, T* y, std::int64_t n) {
  for_each(n, Relu<T>{x, y});
}
template <class T>
void relu_backward(const T* y, const T* dy, T* dx, std::int64_t n) {
  for_each(n, ReluBackward<T>{y, dy, dx});
}
template <class T>
void sigmoid_forward(const T* x, T* y, std::int64_t n) {
  for_each(n, Sigmoid<T>{x, y});
}
template <class T>
void sigmoid_backward(const T* y, const T* dy, T* dx, std::int64_t n) {
  for_each(n, SigmoidBackward<T>{y, dy, dx});
}
template <class T>
void gelu_forward(const T* x, T* y, std::int64_t n) {
  for_each(n, Gelu<T>{x, y});
}
template <class T>
void gelu_backward(const T* x, const T* dy, T* dx, std::int64_t n) {
  for_each(n, GeluBackward<T>{x, dy, dx});
}
template <class T>
void tanh_forward(const T* x, T* y, std::int64_t n) {
  for_each(n, Tanh<T>{x, y});
}
template <class T>
void tanh_backward(const T* y, const T* dy, T* dx, std::int64_t n) {
  for_each(n, TanhBackward<T>{y, dy, dx});
}
template <class T>
void add_forward(const T* a, const T* b, T* y, std::int64_t n, bool relu) {
  for_each(n, Add<T>{a, b, y, relu});
}
template <class T>
void accumulate(const T* x, T* y, std::int64_t n) {
  for_each(n, Accumulate<T>{x, y});
}
void scale(float* x, float factor, std::int64_t n) {
  for_each(n, Scale{x, factor});
}

#define SWAG_INSTANTIATE_ELEMENTWISE(T)                                     \
  template void relu_forward<T>(const T*, T*, std::int64_t);                \
  template void relu_backward<T>(const T*, const T*, T*, std::int64_t);     \
  template void sigmoid_forward<T>(const T*, T*, std::int64_t);             \
  template void sigmoid_backward<T>(const T*, const T*, T*, std::int64_t);  \
  template void gelu_forward<T>(const T*, T*, std::int64_t);                \
  template void gelu_backward<T>(const T*, const T*, T*, std::int64_t);     \
  template void tanh_forward<T>(const T*, T*, std::int64_t);                \
  template void tanh_backward<T>(const T*, const T*, T*, std::int64_t);     \
  template void add_forward<T>(const T*, const T*, T*, std::int64_t, bool); \
  template void accumulate<T>(const T*, T*, std::int64_t);
SWAG_INSTANTIATE_ELEMENTWISE(float)
SWAG_INSTANTIATE_ELEMENTWISE(bf16)
SWAG_INSTANTIATE_ELEMENTWISE(f16)

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above, templated on the storage type (the front-end has checked that the tensors
// share it). The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void relu_forward(const Tensor& x, Tensor& y) {
  require_on_device("relu", {&x, &y});
  visit_float_type(x.dtype(), "relu_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::relu_forward(x.data<T>(), y.data<T>(), x.numel());
  });
}
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  require_on_device("relu", {&y, &dy, &dx});
  visit_float_type(y.dtype(), "relu_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::relu_backward(y.data<T>(), dy.data<T>(), dx.data<T>(), y.numel());
  });
}
void sigmoid_forward(const Tensor& x, Tensor& y) {
  require_on_device("sigmoid", {&x, &y});
  visit_float_type(x.dtype(), "sigmoid_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::sigmoid_forward(x.data<T>(), y.data<T>(), x.numel());
  });
}
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  require_on_device("sigmoid", {&y, &dy, &dx});
  visit_float_type(y.dtype(), "sigmoid_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::sigmoid_backward(y.data<T>(), dy.data<T>(), dx.data<T>(), y.numel());
  });
}
void gelu_forward(const Tensor& x, Tensor& y) {
  require_on_device("gelu", {&x, &y});
  visit_float_type(x.dtype(), "gelu_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::gelu_forward(x.data<T>(), y.data<T>(), x.numel());
  });
}
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  require_on_device("gelu", {&x, &dy, &dx});
  visit_float_type(x.dtype(), "gelu_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::gelu_backward(x.data<T>(), dy.data<T>(), dx.data<T>(), x.numel());
  });
}
void tanh_forward(const Tensor& x, Tensor& y) {
  require_on_device("tanh", {&x, &y});
  visit_float_type(x.dtype(), "tanh_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::tanh_forward(x.data<T>(), y.data<T>(), x.numel());
  });
}
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  require_on_device("tanh", {&y, &dy, &dx});
  visit_float_type(y.dtype(), "tanh_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::tanh_backward(y.data<T>(), dy.data<T>(), dx.data<T>(), y.numel());
  });
}
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  require_on_device("add", {&a, &b, &y});
  visit_float_type(a.dtype(), "add_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::add_forward(a.data<T>(), b.data<T>(), y.data<T>(), a.numel(), relu);
  });
}
void accumulate(const Tensor& x, Tensor& y) {
  require_on_device("accumulate", {&x, &y});
  visit_float_type(x.dtype(), "accumulate", [&](auto tag) {
    using T = decltype(tag);
    kernels::accumulate(x.data<T>(), y.data<T>(), x.numel());
  });
}
void scale(Tensor& x, float factor) {
  require_on_device("scale", {&x});
  kernels::scale(x.data<float>(), factor, x.numel());
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
