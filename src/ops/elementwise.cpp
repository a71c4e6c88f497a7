#include "swag/ops/elementwise.hpp"

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/cuda_ops.hpp"
#endif

namespace swag::ops {
namespace {

// Checks the element counts; returns whether the op runs on CUDA.
bool same(std::string_view op, const Tensor& a, const Tensor& b) {
  SWAG_CHECK(a.numel() == b.numel(), "{}: {} vs {} elements", op, a.numel(), b.numel());
  return on_cuda(op, a, true);
}

}  // namespace

void relu_forward(const Tensor& x, Tensor& y) {
  if (same("relu", x, y)) {
#ifdef SWAG_WITH_CUDA
    return cuda::relu_forward(x, y);
#endif
  }
  cpu::relu_forward(x, y);
}
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("relu", y, dy);
  if (same("relu", y, dx)) {
#ifdef SWAG_WITH_CUDA
    return cuda::relu_backward(y, dy, dx);
#endif
  }
  cpu::relu_backward(y, dy, dx);
}
void sigmoid_forward(const Tensor& x, Tensor& y) {
  if (same("sigmoid", x, y)) {
#ifdef SWAG_WITH_CUDA
    return cuda::sigmoid_forward(x, y);
#endif
  }
  cpu::sigmoid_forward(x, y);
}
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("sigmoid", y, dy);
  if (same("sigmoid", y, dx)) {
#ifdef SWAG_WITH_CUDA
    return cuda::sigmoid_backward(y, dy, dx);
#endif
  }
  cpu::sigmoid_backward(y, dy, dx);
}
void gelu_forward(const Tensor& x, Tensor& y) {
  if (same("gelu", x, y)) {
#ifdef SWAG_WITH_CUDA
    return cuda::gelu_forward(x, y);
#endif
  }
  cpu::gelu_forward(x, y);
}
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  same("gelu", x, dy);
  if (same("gelu", x, dx)) {
#ifdef SWAG_WITH_CUDA
    return cuda::gelu_backward(x, dy, dx);
#endif
  }
  cpu::gelu_backward(x, dy, dx);
}
void tanh_forward(const Tensor& x, Tensor& y) {
  if (same("tanh", x, y)) {
#ifdef SWAG_WITH_CUDA
    return cuda::tanh_forward(x, y);
#endif
  }
  cpu::tanh_forward(x, y);
}
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("tanh", y, dy);
  if (same("tanh", y, dx)) {
#ifdef SWAG_WITH_CUDA
    return cuda::tanh_backward(y, dy, dx);
#endif
  }
  cpu::tanh_backward(y, dy, dx);
}
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  same("add", a, b);
  if (same("add", a, y)) {
#ifdef SWAG_WITH_CUDA
    return cuda::add_forward(a, b, y, relu);
#endif
  }
  cpu::add_forward(a, b, y, relu);
}
void accumulate(const Tensor& x, Tensor& y) {
  if (same("accumulate", x, y)) {
#ifdef SWAG_WITH_CUDA
    return cuda::accumulate(x, y);
#endif
  }
  cpu::accumulate(x, y);
}

}  // namespace swag::ops
