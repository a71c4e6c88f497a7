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
  SWAG_BACKEND_CALL(same("relu", x, y), relu_forward, x, y);
}
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("relu", y, dy);
  SWAG_BACKEND_CALL(same("relu", y, dx), relu_backward, y, dy, dx);
}
void sigmoid_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("sigmoid", x, y), sigmoid_forward, x, y);
}
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("sigmoid", y, dy);
  SWAG_BACKEND_CALL(same("sigmoid", y, dx), sigmoid_backward, y, dy, dx);
}
void gelu_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("gelu", x, y), gelu_forward, x, y);
}
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  same("gelu", x, dy);
  SWAG_BACKEND_CALL(same("gelu", x, dx), gelu_backward, x, dy, dx);
}
void tanh_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("tanh", x, y), tanh_forward, x, y);
}
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("tanh", y, dy);
  SWAG_BACKEND_CALL(same("tanh", y, dx), tanh_backward, y, dy, dx);
}
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  same("add", a, b);
  SWAG_BACKEND_CALL(same("add", a, y), add_forward, a, b, y, relu);
}
void accumulate(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("accumulate", x, y), accumulate, x, y);
}

}  // namespace swag::ops
