// Squeeze-and-excitation (Hu et al.), as torchvision's SqueezeExcitation on NHWC input:
// s = sigmoid(fc2(relu(fc1(mean_hw(x))))), y = x * s (per sample and channel), built from
// ops/pool, ops/linear and ops/elementwise. fc1 (C -> S) and fc2 (S -> C) are 1x1 convolutions
// with bias, i.e. linear layers on the pooled [N, C] vector: parameters
// "<prefix>.fc1.{weight,bias}", "<prefix>.fc2.{weight,bias}".
#pragma once
#include <cstdint>
#include <string>

#include "swag/core/tensor.hpp"
#include "swag/nn/build_context.hpp"

namespace swag::nn {

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

// x, y, dy, dx, the cache and the weights w (a compute copy) have the activations' type S (f32,
// bf16 or f16); the weight gradients g are f32 (doc/mixed_precision.md).
void squeeze_excitation_forward(const SqueezeExcitationDesc& d, const Tensor& x,
                                const SqueezeExcitationWeights& w, SqueezeExcitationCache& c,
                                Tensor& y);
// Overwrites dx and the weight gradients g (same layout as w).
void squeeze_excitation_backward(const SqueezeExcitationDesc& d, const Tensor& x,
                                 const SqueezeExcitationWeights& w, const SqueezeExcitationCache& c,
                                 const Tensor& dy, Tensor& dx, SqueezeExcitationWeights& g);

class SqueezeExcitationLayer {
 public:
  SqueezeExcitationLayer(BuildContext& ctx, const std::string& prefix,
                         const SqueezeExcitationDesc& desc);
  void allocate(const ParameterStore& params, const Placement& at);
  const Tensor& forward(const Tensor& x);
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);
  const Tensor& output() const { return out_; }

 private:
  SqueezeExcitationDesc desc_;
  int w1_, b1_, w2_, b2_;
  SqueezeExcitationWeights weights_, grads_;
  SqueezeExcitationCache cache_;
  Tensor out_;
};

}  // namespace swag::nn
