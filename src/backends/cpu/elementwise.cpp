// Element-wise ops as flat Kokkos loops (outputs may alias inputs element for element), on any
// storage type T (float, bf16, f16): inputs loaded to float, the float formula, the result
// rounded once to T (core/float16.hpp), so with T = float the loops are the fp32 ones.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"
#include "swag/ops/element_math.hpp"

namespace swag::cpu {

void relu_forward(const Tensor& x, Tensor& y) {
  visit_float_type(x.dtype(), "relu_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    host_for(
        "swag::relu_forward", x.numel(), KOKKOS_LAMBDA(std::int64_t i) {
          const float v = load(xp[i]);
          yp[i] = store_as<T>(v > 0.0f ? v : 0.0f);
        });
  });
}

void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  visit_float_type(y.dtype(), "relu_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const yp = y.data<T>();
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    host_for(
        "swag::relu_backward", y.numel(), KOKKOS_LAMBDA(std::int64_t i) {
          dxp[i] = store_as<T>(load(yp[i]) > 0.0f ? load(dyp[i]) : 0.0f);
        });
  });
}

void sigmoid_forward(const Tensor& x, Tensor& y) {
  visit_float_type(x.dtype(), "sigmoid_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    // exp(-x) overflows to inf for x < -88, which still gives the right limit 0.
    host_for(
        "swag::sigmoid_forward", x.numel(), KOKKOS_LAMBDA(std::int64_t i) {
          yp[i] = store_as<T>(1.0f / (1.0f + kmath::exp(-load(xp[i]))));
        });
  });
}

void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  visit_float_type(y.dtype(), "sigmoid_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const yp = y.data<T>();
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    host_for(
        "swag::sigmoid_backward", y.numel(), KOKKOS_LAMBDA(std::int64_t i) {
          const float s = load(yp[i]);
          dxp[i] = store_as<T>(load(dyp[i]) * s * (1.0f - s));
        });
  });
}

// GELU and tanh: blocks of kBlock elements, so that the loops over the shared formulas
// vectorize.
constexpr std::int64_t kBlock = 4096;

void gelu_forward(const Tensor& x, Tensor& y) {
  visit_float_type(x.dtype(), "gelu_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    host_for_blocks("swag::gelu_forward", x.numel(), kBlock, [=](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) yp[i] = store_as<T>(ops::math::gelu(load(xp[i])));
    });
  });
}

void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  visit_float_type(x.dtype(), "gelu_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    host_for_blocks("swag::gelu_backward", x.numel(), kBlock, [=](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i)
        dxp[i] = store_as<T>(load(dyp[i]) * ops::math::gelu_grad(load(xp[i])));
    });
  });
}

void tanh_forward(const Tensor& x, Tensor& y) {
  visit_float_type(x.dtype(), "tanh_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    host_for(
        "swag::tanh_forward", x.numel(),
        KOKKOS_LAMBDA(std::int64_t i) { yp[i] = store_as<T>(tanhf(load(xp[i]))); });
  });
}

void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  visit_float_type(y.dtype(), "tanh_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const yp = y.data<T>();
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    host_for(
        "swag::tanh_backward", y.numel(), KOKKOS_LAMBDA(std::int64_t i) {
          dxp[i] = store_as<T>(load(dyp[i]) * ops::math::tanh_grad_from_output(load(yp[i])));
        });
  });
}

void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  visit_float_type(a.dtype(), "add_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const ap = a.data<T>();
    const T* const bp = b.data<T>();
    T* const yp = y.data<T>();
    host_for(
        "swag::add_forward", a.numel(), KOKKOS_LAMBDA(std::int64_t i) {
          const float v = load(ap[i]) + load(bp[i]);
          yp[i] = store_as<T>(relu && v < 0.0f ? 0.0f : v);
        });
  });
}

void accumulate(const Tensor& x, Tensor& y) {
  visit_float_type(x.dtype(), "accumulate", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    host_for(
        "swag::accumulate", x.numel(),
        KOKKOS_LAMBDA(std::int64_t i) { yp[i] = store_as<T>(load(yp[i]) + load(xp[i])); });
  });
}

}  // namespace swag::cpu
