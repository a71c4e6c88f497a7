// Element-wise ops on the GPU: tensor checks here, kernels in elementwise.cu, templated on the
// storage type (the front-end has checked that the tensors share it).
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

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
