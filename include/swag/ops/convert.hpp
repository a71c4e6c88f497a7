// Conversions: between the float storage types (doc/mixed_precision.md: the trainers' compute
// copy of the weights, 16-bit input images and fp32 gradients from 16-bit ones), and from
// PyTorch's NCHW image layout (files) to the engine's NHWC (memory).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

// dst[i] = src[i] rounded to dst's type by core/float16.hpp (to nearest even; widening is
// exact). src and dst are each f32, bf16 or f16, with the same element count, on the same
// device, and do not overlap.
void convert(const Tensor& src, Tensor& dst);

void nchw_to_nhwc(const Tensor& x, Tensor& y);  // [N, C, H, W] -> [N, H, W, C]

}  // namespace swag::ops
