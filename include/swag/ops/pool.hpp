// Global average pooling, NHWC [N, H, W, C] -> [N, C], and its converse channel scaling: the
// squeeze and the excitation steps of squeeze-and-excitation (nn/squeeze_excitation_layer.hpp).
// All tensors of a call are of one type (f32, bf16 or f16).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

void global_avg_pool_forward(const Tensor& x, Tensor& y);
// dx[n, h, w, c] (+)= dy[n, c] / (H * W); dx has x's shape. With accumulate, adds to dx.
void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate = false);

// y = x * scale (channel-wise): x, y [N, H, W, C], scale [N, C].
void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y);
// dx = dy * scale; dscale[n, c] = sum_hw dy * x.
void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale);

}  // namespace swag::ops
