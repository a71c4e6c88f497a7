// Element-wise kernels. The formulas are the CPU backend's (src/backends/cpu/elementwise.cpp):
// GELU and the tanh gradient come from ops/element_math.hpp, written once for both backends;
// sigmoid and tanh use CUDA's expf and tanhf (within 2 ulp; the CPU uses libm's).
#include "kernels.hpp"
#include "launch.cuh"
#include "swag/ops/element_math.hpp"

namespace swag::cuda::kernels {
namespace {

struct Relu {
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] = x[i] > 0.0f ? x[i] : 0.0f; }
};
struct ReluBackward {
  const float *y, *dy;
  float* dx;
  __device__ void operator()(std::int64_t i) const { dx[i] = y[i] > 0.0f ? dy[i] : 0.0f; }
};
struct Sigmoid {
  const float* x;
  float* y;
  // expf(-x) overflows to inf for x < -88, which still gives the right limit 0.
  __device__ void operator()(std::int64_t i) const { y[i] = 1.0f / (1.0f + expf(-x[i])); }
};
struct SigmoidBackward {
  const float *y, *dy;
  float* dx;
  __device__ void operator()(std::int64_t i) const { dx[i] = dy[i] * y[i] * (1.0f - y[i]); }
};
struct Gelu {
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] = ops::math::gelu(x[i]); }
};
struct GeluBackward {
  const float *x, *dy;
  float* dx;
  __device__ void operator()(std::int64_t i) const { dx[i] = dy[i] * ops::math::gelu_grad(x[i]); }
};
struct Tanh {
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] = tanhf(x[i]); }
};
struct TanhBackward {
  const float *y, *dy;
  float* dx;
  __device__ void operator()(std::int64_t i) const {
    dx[i] = dy[i] * ops::math::tanh_grad_from_output(y[i]);
  }
};
struct Add {
  const float *a, *b;
  float* y;
  bool relu;
  __device__ void operator()(std::int64_t i) const {
    const float v = a[i] + b[i];
    y[i] = relu && v < 0.0f ? 0.0f : v;
  }
};
struct Accumulate {
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] += x[i]; }
};
struct Scale {
  float* x;
  float factor;
  __device__ void operator()(std::int64_t i) const { x[i] *= factor; }
};

}  // namespace

void relu_forward(const float* x, float* y, std::int64_t n) {
  for_each(n, Relu{x, y});
}
void relu_backward(const float* y, const float* dy, float* dx, std::int64_t n) {
  for_each(n, ReluBackward{y, dy, dx});
}
void sigmoid_forward(const float* x, float* y, std::int64_t n) {
  for_each(n, Sigmoid{x, y});
}
void sigmoid_backward(const float* y, const float* dy, float* dx, std::int64_t n) {
  for_each(n, SigmoidBackward{y, dy, dx});
}
void gelu_forward(const float* x, float* y, std::int64_t n) {
  for_each(n, Gelu{x, y});
}
void gelu_backward(const float* x, const float* dy, float* dx, std::int64_t n) {
  for_each(n, GeluBackward{x, dy, dx});
}
void tanh_forward(const float* x, float* y, std::int64_t n) {
  for_each(n, Tanh{x, y});
}
void tanh_backward(const float* y, const float* dy, float* dx, std::int64_t n) {
  for_each(n, TanhBackward{y, dy, dx});
}
void add_forward(const float* a, const float* b, float* y, std::int64_t n, bool relu) {
  for_each(n, Add{a, b, y, relu});
}
void accumulate(const float* x, float* y, std::int64_t n) {
  for_each(n, Accumulate{x, y});
}
void scale(float* x, float factor, std::int64_t n) {
  for_each(n, Scale{x, factor});
}

}  // namespace swag::cuda::kernels
