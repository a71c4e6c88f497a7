// The CPU backend's convolution and linear layer, forward and backward in one call: the
// reference (and, on absolute values, the error bound's magnitude) of the GPU tests and of the
// CPU's bf16 math tests; the math mode for a scope, and those tests' convolution shapes.
#pragma once
#include "swag/core/tensor.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/math_mode.hpp"

namespace swag::test {

// A layer's output and gradients; db is unused without a bias.
struct LayerResult {
  Tensor y, dx, dw, db;
};

// The process's math mode (ops/math_mode.hpp) for a scope; fp32 again after it, even when a
// check fails.
class MathScope {
 public:
  explicit MathScope(ops::MathMode mode) { ops::set_math_mode(mode); }
  ~MathScope() { ops::set_math_mode(ops::MathMode::fp32); }
  MathScope(const MathScope&) = delete;
  MathScope& operator=(const MathScope&) = delete;
};

// A named convolution shape.
struct ConvCase {
  const char* name;
  ops::Conv2dDesc d;  // batch, in and out channels, height, width, kernel, stride, padding,
                      // groups, bias
};

// The math-mode tests' convolutions (GPU and CPU): a 3x3, strided grouped ones, a depthwise one
// (few or no tensor-core kernels: cuDNN may fall back to FMA ones) and 1x1 projections; the
// last two take the CPU's special fp32 paths (doc/engine.md, "Convolutions on the CPU").
inline const ConvCase kMathModeConvCases[] = {
    {"k3_s1_p1_bias", {2, 8, 16, 9, 9, 3, 1, 1, 1, true}},
    {"k3_s2_p1_groups4", {2, 16, 32, 11, 7, 3, 2, 1, 4, false}},
    {"depthwise_k3_s2_bias", {2, 12, 12, 9, 10, 3, 2, 1, 12, true}},
    {"k1_c32_c64_bias", {2, 32, 64, 8, 8, 1, 1, 0, 1, true}},
    {"k1_c24_c40", {2, 24, 40, 6, 6, 1, 1, 0, 1, false}},
    {"k3_s2_p1_groups_of_8", {2, 16, 16, 9, 9, 3, 2, 1, 2, false}},
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
