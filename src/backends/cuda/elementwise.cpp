// Element-wise ops on the GPU: tensor checks here, kernels in elementwise.cu.
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {

void relu_forward(const Tensor& x, Tensor& y) {
  require_on_device("relu", {&x, &y});
  kernels::relu_forward(x.data<float>(), y.data<float>(), x.numel());
}
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  require_on_device("relu", {&y, &dy, &dx});
  kernels::relu_backward(y.data<float>(), dy.data<float>(), dx.data<float>(), y.numel());
}
void sigmoid_forward(const Tensor& x, Tensor& y) {
  require_on_device("sigmoid", {&x, &y});
  kernels::sigmoid_forward(x.data<float>(), y.data<float>(), x.numel());
}
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  require_on_device("sigmoid", {&y, &dy, &dx});
  kernels::sigmoid_backward(y.data<float>(), dy.data<float>(), dx.data<float>(), y.numel());
}
void gelu_forward(const Tensor& x, Tensor& y) {
  require_on_device("gelu", {&x, &y});
  kernels::gelu_forward(x.data<float>(), y.data<float>(), x.numel());
}
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  require_on_device("gelu", {&x, &dy, &dx});
  kernels::gelu_backward(x.data<float>(), dy.data<float>(), dx.data<float>(), x.numel());
}
void tanh_forward(const Tensor& x, Tensor& y) {
  require_on_device("tanh", {&x, &y});
  kernels::tanh_forward(x.data<float>(), y.data<float>(), x.numel());
}
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  require_on_device("tanh", {&y, &dy, &dx});
  kernels::tanh_backward(y.data<float>(), dy.data<float>(), dx.data<float>(), y.numel());
}
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  require_on_device("add", {&a, &b, &y});
  kernels::add_forward(a.data<float>(), b.data<float>(), y.data<float>(), a.numel(), relu);
}
void accumulate(const Tensor& x, Tensor& y) {
  require_on_device("accumulate", {&x, &y});
  kernels::accumulate(x.data<float>(), y.data<float>(), x.numel());
}
void scale(Tensor& x, float factor) {
  require_on_device("scale", {&x});
  kernels::scale(x.data<float>(), factor, x.numel());
}

}  // namespace swag::cuda
