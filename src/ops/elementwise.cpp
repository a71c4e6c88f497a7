#include "swag/ops/elementwise.hpp"

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/dispatch.hpp"

namespace swag::ops {
namespace {

void same(std::string_view op, const Tensor& a, const Tensor& b) {
  SWAG_CHECK(a.numel() == b.numel(), "{}: {} vs {} elements", op, a.numel(), b.numel());
  on_cuda(op, a, false);
}

}  // namespace

void relu_forward(const Tensor& x, Tensor& y) {
  same("relu", x, y);
  cpu::relu_forward(x, y);
}
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("relu", y, dy);
  same("relu", y, dx);
  cpu::relu_backward(y, dy, dx);
}
void sigmoid_forward(const Tensor& x, Tensor& y) {
  same("sigmoid", x, y);
  cpu::sigmoid_forward(x, y);
}
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("sigmoid", y, dy);
  same("sigmoid", y, dx);
  cpu::sigmoid_backward(y, dy, dx);
}
void gelu_forward(const Tensor& x, Tensor& y) {
  same("gelu", x, y);
  cpu::gelu_forward(x, y);
}
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  same("gelu", x, dy);
  same("gelu", x, dx);
  cpu::gelu_backward(x, dy, dx);
}
void tanh_forward(const Tensor& x, Tensor& y) {
  same("tanh", x, y);
  cpu::tanh_forward(x, y);
}
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  same("tanh", y, dy);
  same("tanh", y, dx);
  cpu::tanh_backward(y, dy, dx);
}
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  same("add", a, b);
  same("add", a, y);
  cpu::add_forward(a, b, y, relu);
}
void accumulate(const Tensor& x, Tensor& y) {
  same("accumulate", x, y);
  cpu::accumulate(x, y);
}

}  // namespace swag::ops
