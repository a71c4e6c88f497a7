// Squeeze-and-excitation (Hu et al.), as torchvision's SqueezeExcitation on NHWC input:
// s = sigmoid(fc2(relu(fc1(mean_hw(x))))), y = x * s (per sample and channel). fc1 and fc2 are
// 1x1 convolutions with bias, i.e. linear layers on the pooled [N, C] vector. x, y, dy, dx, the
// cache and the weights w (a compute copy) have the activations' type S (f32, bf16 or f16); the
// weight gradients g are f32 (doc/mixed_precision.md).
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct SqueezeExcitationDesc {
  std::int64_t batch = 1, height = 1, width = 1, channels = 1, squeeze_channels = 1;
};

struct SqueezeExcitationWeights {
  Tensor w1, b1;  // [S, C, 1, 1], [S]
  Tensor w2, b2;  // [C, S, 1, 1], [C]
};

// Values kept from forward for backward, and backward's scratch; each [N, C] or [N, S].
struct SqueezeExcitationCache {
  Tensor pooled, hidden, scale;
  Tensor dscale, dhidden, dpooled;
  // Tensors of the activations' type `dtype`.
  static SqueezeExcitationCache allocate(const SqueezeExcitationDesc& d, Device device,
                                         DType dtype = DType::f32);
};

// y = x * scale (channel-wise), all of one type. The "excitation" step alone, used by the SE
// forward.
void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y);
// dx = dy * scale; dscale[n, c] = sum_hw dy * x.
void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale);

void squeeze_excitation_forward(const SqueezeExcitationDesc& d, const Tensor& x,
                                const SqueezeExcitationWeights& w, SqueezeExcitationCache& c,
                                Tensor& y);
// Overwrites dx and the weight gradients g (same layout as w).
void squeeze_excitation_backward(const SqueezeExcitationDesc& d, const Tensor& x,
                                 const SqueezeExcitationWeights& w, const SqueezeExcitationCache& c,
                                 const Tensor& dy, Tensor& dx, SqueezeExcitationWeights& g);

}  // namespace swag::ops
