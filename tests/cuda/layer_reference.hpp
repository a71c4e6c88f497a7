// The CPU backend's convolution and linear layer, forward and backward in one call: the
// reference (and, on absolute values, the error bound's magnitude) of the GPU tests.
#pragma once
#include "swag/core/tensor.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/linear.hpp"

namespace swag::test {

// A layer's output and gradients; db is unused without a bias.
struct LayerResult {
  Tensor y, dx, dw, db;
};

inline LayerResult conv2d_cpu(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w,
                              const Tensor& b, const Tensor& dy) {
  LayerResult r{Tensor::empty(d.output_shape()), Tensor::empty(d.input_shape()),
                Tensor::empty(d.weight_shape()), Tensor::empty({d.out_channels})};
  ops::conv2d_forward(d, x, w, d.bias ? &b : nullptr, r.y);
  ops::conv2d_backward(d, x, w, dy, &r.dx, r.dw, d.bias ? &r.db : nullptr);
  return r;
}

inline LayerResult linear_cpu(const ops::LinearDesc& d, const Tensor& x, const Tensor& w,
                              const Tensor& b, const Tensor& dy) {
  LayerResult r{Tensor::empty({d.rows, d.out_features}), Tensor::empty({d.rows, d.in_features}),
                Tensor::empty({d.out_features, d.in_features}), Tensor::empty({d.out_features})};
  ops::linear_forward(d, x, w, d.bias ? &b : nullptr, r.y);
  ops::linear_backward(d, x, w, dy, &r.dx, r.dw, d.bias ? &r.db : nullptr);
  return r;
}

}  // namespace swag::test
