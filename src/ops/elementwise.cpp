#include "swag/ops/elementwise.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {
namespace {

// Checks the element counts and storage types; returns whether the op runs on CUDA.
bool same(std::string_view op, std::initializer_list<NamedTensor> args) {
  const Tensor& first = *args.begin()->tensor;
  for (const NamedTensor& a : args)
    SWAG_CHECK(a.tensor->numel() == first.numel(), "{}: {} of {} elements, {} of {}", op, a.name,
               a.tensor->numel(), args.begin()->name, first.numel());
  activation_dtype(op, args);
  return on_cuda(op, first, true);
}

}  // namespace

void relu_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("relu", {{"x", &x}, {"y", &y}}), relu_forward, x, y);
}
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  SWAG_BACKEND_CALL(same("relu", {{"y", &y}, {"dy", &dy}, {"dx", &dx}}), relu_backward, y, dy, dx);
}
void sigmoid_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("sigmoid", {{"x", &x}, {"y", &y}}), sigmoid_forward, x, y);
}
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  SWAG_BACKEND_CALL(same("sigmoid", {{"y", &y}, {"dy", &dy}, {"dx", &dx}}), sigmoid_backward, y, dy,
                    dx);
}
void gelu_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("gelu", {{"x", &x}, {"y", &y}}), gelu_forward, x, y);
}
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  SWAG_BACKEND_CALL(same("gelu", {{"x", &x}, {"dy", &dy}, {"dx", &dx}}), gelu_backward, x, dy, dx);
}
void tanh_forward(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("tanh", {{"x", &x}, {"y", &y}}), tanh_forward, x, y);
}
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  SWAG_BACKEND_CALL(same("tanh", {{"y", &y}, {"dy", &dy}, {"dx", &dx}}), tanh_backward, y, dy, dx);
}
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu) {
  SWAG_BACKEND_CALL(same("add", {{"a", &a}, {"b", &b}, {"y", &y}}), add_forward, a, b, y, relu);
}
void accumulate(const Tensor& x, Tensor& y) {
  SWAG_BACKEND_CALL(same("accumulate", {{"x", &x}, {"y", &y}}), accumulate, x, y);
}

}  // namespace swag::ops
