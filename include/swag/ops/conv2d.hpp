// 2-D convolution. Activations are NHWC; weights are OIHW ([out, in/groups, kh, kw]) as in
// PyTorch, so parameter slices import and export without reordering. x, w, b, y, dy and dx are in
// the activation storage type S (f32, bf16 or f16); dw and db are fp32 whatever S is
// (doc/mixed_precision.md). Sums accumulate in fp32 and each S output is rounded once.
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct Conv2dDesc {
  std::int64_t batch = 1, in_channels = 1, out_channels = 1, height = 1, width = 1;
  int kernel = 1, stride = 1, padding = 0, groups = 1;
  bool bias = false;

  std::int64_t out_height() const { return (height + 2 * padding - kernel) / stride + 1; }
  std::int64_t out_width() const { return (width + 2 * padding - kernel) / stride + 1; }
  Shape input_shape() const { return {batch, height, width, in_channels}; }
  Shape output_shape() const { return {batch, out_height(), out_width(), out_channels}; }
  Shape weight_shape() const { return {out_channels, in_channels / groups, kernel, kernel}; }
  // Multiply-accumulates of one forward pass (bias excluded).
  std::int64_t macs() const {
    return batch * out_height() * out_width() * out_channels * (in_channels / groups) * kernel *
           kernel;
  }
  bool operator==(const Conv2dDesc&) const = default;
};

// y = conv(x, w) + b; b may be null.
void conv2d_forward(const Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
// Overwrites dw (and db); dx may be null when the input needs no gradient.
void conv2d_backward(const Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);

}  // namespace swag::ops
