// nn.MultiheadAttention as torchvision's ViT uses it (self-attention, batch first, no dropout):
// parameters "<prefix>.in_proj_weight" [3D, D] and "<prefix>.in_proj_bias" [3D] (fused Q, K, V,
// one tensor each as in torchvision's state_dict), "<prefix>.out_proj.{weight,bias}".
#pragma once
#include <string>

#include "swag/nn/build_context.hpp"
#include "swag/ops/self_attention.hpp"

namespace swag::nn {

class SelfAttentionLayer {
 public:
  SelfAttentionLayer(BuildContext& ctx, const std::string& prefix, const ops::AttentionDesc& desc);
  // Backward's scratch: scratch.a (the context gradient), b (probabilities), d (qkv).
  void allocate(const ParameterStore& params, const Scratch& scratch, const Placement& at);
  // x, y: [B*T, D].
  void forward(const Tensor& x, Tensor& y);
  // dx may be a view of scratch.a; dout must not be in scratch a, b or d.
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);

 private:
  ops::AttentionDesc desc_;
  int in_w_, in_b_, out_w_, out_b_;
  ops::SelfAttentionWeights weights_, grads_;
  ops::SelfAttentionCache cache_;
};

}  // namespace swag::nn
