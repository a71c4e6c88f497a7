// Global average pooling: NHWC [N, H, W, C] -> [N, C], x, y, dy, dx of one type (f32, bf16 or
// f16).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

void global_avg_pool_forward(const Tensor& x, Tensor& y);
// dx[n, h, w, c] (+)= dy[n, c] / (H * W); dx has x's shape. With accumulate, adds to dx.
void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate = false);

}  // namespace swag::ops
