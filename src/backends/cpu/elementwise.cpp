// Element-wise ops as flat Kokkos loops (outputs may alias inputs element for element).
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/element_math.hpp"

namespace swag::cpu {

void relu_forward(const Tensor& x, Tensor& y) {
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  host_for(
      "swag::relu_forward", x.numel(),
      KOKKOS_LAMBDA(std::int64_t i) { yp[i] = xp[i] > 0.0f ? xp[i] : 0.0f; });
}

void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const float* const yp = y.data<float>();
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  host_for(
      "swag::relu_backward", y.numel(),
      KOKKOS_LAMBDA(std::int64_t i) { dxp[i] = yp[i] > 0.0f ? dyp[i] : 0.0f; });
}

void sigmoid_forward(const Tensor& x, Tensor& y) {
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  // exp(-x) overflows to inf for x < -88, which still gives the right limit 0.
  host_for(
      "swag::sigmoid_forward", x.numel(),
      KOKKOS_LAMBDA(std::int64_t i) { yp[i] = 1.0f / (1.0f + kmath::exp(-xp[i])); });
}

void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const float* const yp = y.data<float>();
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  host_for(
      "swag::sigmoid_backward", y.numel(),
      KOKKOS_LAMBDA(std::int64_t i) { dxp[i] = dyp[i] * yp[i] * (1.0f - yp[i]); });
}

// GELU and tanh: blocks of kBlock elements, so that the loops over the shared formulas
// vectorize.
constexpr std::int64_t kBlock = 4096;

void gelu_forward(const Tensor& x, Tensor& y) {
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  host_for_blocks("swag::gelu_forward", x.numel(), kBlock, [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) yp[i] = ops::math::gelu(xp[i]);
  });
}

void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  const float* const xp = x.data<float>();
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  host_for_blocks("swag::gelu_backward", x.numel(), kBlock, [=](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) dxp[i] = dyp[i] * ops::math::gelu_grad(xp[i]);
  });
}

void tanh_forward(const Tensor& x, Tensor& y) {
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  host_for(
      "swag::tanh_forward", x.numel(), KOKKOS_LAMBDA(std::int64_t i) { yp[i] = tanhf(xp[i]); });
}

void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const float* const yp = y.data<float>();
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  host_for(
      "swag::tanh_backward", y.numel(),
      KOKKOS_LAMBDA(std::int64_t i) { dxp[i] = dyp[i] * ops::math::tanh_grad_from_output(yp[i]); });
}

void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  const float* const ap = a.data<float>();
  const float* const bp = b.data<float>();
  float* const yp = y.data<float>();
  host_for(
      "swag::add_forward", a.numel(), KOKKOS_LAMBDA(std::int64_t i) {
        const float v = ap[i] + bp[i];
        yp[i] = relu && v < 0.0f ? 0.0f : v;
      });
}

void accumulate(const Tensor& x, Tensor& y) {
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  host_for(
      "swag::accumulate", x.numel(), KOKKOS_LAMBDA(std::int64_t i) { yp[i] += xp[i]; });
}

}  // namespace swag::cpu
