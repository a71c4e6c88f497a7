// Multi-head self-attention as torchvision's ViT uses nn.MultiheadAttention (batch_first, no
// dropout, no mask): the fused input projection qkv = x in_wᵀ + in_b (in_w [3D, D]), scaled
// dot-product attention per head, and the output projection y = context out_wᵀ + out_b. Rows of
// x and y are the B*T tokens. x, y, dx, the weights w and the cache are in the activation type S;
// the weight gradients g are fp32 (ops/linear.hpp).
#pragma once
#include "swag/ops/attention.hpp"

namespace swag::ops {

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
  static SelfAttentionCache allocate(const AttentionDesc& d, Device device,
                                     DType dtype = DType::f32);
};

void self_attention_forward(const AttentionDesc& d, const Tensor& x, const SelfAttentionWeights& w,
                            SelfAttentionCache& c, Tensor& y);
// Overwrites dx and the weight gradients g (same layout as w). dx may share storage with
// c.dcontext (it is written after dcontext was last read), not with the other tensors.
void self_attention_backward(const AttentionDesc& d, const Tensor& x, const SelfAttentionWeights& w,
                             const SelfAttentionCache& c, const Tensor& dy, Tensor& dx,
                             SelfAttentionWeights& g);

}  // namespace swag::ops
