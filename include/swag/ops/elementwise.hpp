// Element-wise ops on same-shaped tensors of any rank, all of one type: f32, bf16 or f16 (loaded
// to float, each output rounded once; doc/mixed_precision.md).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

void relu_forward(const Tensor& x, Tensor& y);
// dx = dy where y > 0 else 0 (y is the forward output; dx may alias dy).
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
void sigmoid_forward(const Tensor& x, Tensor& y);
// dx = dy * y * (1 - y) (y is the forward output; dx may alias dy).
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
// GELU with the exact Gaussian CDF (ops/element_math.hpp).
void gelu_forward(const Tensor& x, Tensor& y);
// dx = dy * gelu'(x) (x is the forward input; dx may alias dy).
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx);
void tanh_forward(const Tensor& x, Tensor& y);
// dx = dy * (1 - y^2) (y is the forward output; dx may alias dy).
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
// Residual connection: y = a + b, optionally followed by ReLU (y may alias a or b).
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu);
// y += x (accumulating a second gradient path).
void accumulate(const Tensor& x, Tensor& y);

}  // namespace swag::ops
