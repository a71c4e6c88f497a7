// Multi-head self-attention as torchvision's ViT uses nn.MultiheadAttention (batch_first, no
// dropout, no mask): the fused input projection qkv = x in_wᵀ + in_b (in_w [3D, D]), scaled
// dot-product attention per head (ops/attention.hpp), and the output projection
// y = context out_wᵀ + out_b. Rows of x and y are the B*T tokens.
#pragma once
#include <string>

#include "swag/nn/build_context.hpp"
#include "swag/ops/attention.hpp"

namespace swag::nn {

struct SelfAttentionWeights {
  Tensor in_w, in_b;    // [3D, D], [3D]
  Tensor out_w, out_b;  // [D, D], [D]
};

// What forward keeps for backward (qkv [B*T, 3D], probs [B, H, T, T], context [B*T, D]) and
// backward's scratch (dcontext [B*T, D], dprobs like probs, dqkv like qkv), all in the activation
// storage type (doc/mixed_precision.md).
struct SelfAttentionCache {
  Tensor qkv, probs, context;
  Tensor dcontext, dprobs, dqkv;
  static SelfAttentionCache allocate(const ops::AttentionDesc& d, Device device,
                                     DType dtype = DType::f32);
};

// x, y, dx, the weights w and the cache are in the activation type S; the weight gradients g
// are fp32 (ops/linear.hpp).
void self_attention_forward(const ops::AttentionDesc& d, const Tensor& x,
                            const SelfAttentionWeights& w, SelfAttentionCache& c, Tensor& y);
// Overwrites dx and the weight gradients g (same layout as w). dx may share storage with
// c.dcontext (it is written after dcontext was last read), not with the other tensors.
void self_attention_backward(const ops::AttentionDesc& d, const Tensor& x,
                             const SelfAttentionWeights& w, const SelfAttentionCache& c,
                             const Tensor& dy, Tensor& dx, SelfAttentionWeights& g);

// The layer: parameters "<prefix>.in_proj_weight" [3D, D] and "<prefix>.in_proj_bias" [3D]
// (fused Q, K, V, one tensor each as in torchvision's state_dict), "<prefix>.out_proj.{weight,
// bias}".
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
  SelfAttentionWeights weights_, grads_;
  SelfAttentionCache cache_;
};

}  // namespace swag::nn
