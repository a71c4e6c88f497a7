// Multi-head scaled dot-product attention on a fused query/key/value tensor, as PyTorch's
// nn.MultiheadAttention computes it after its input projection: per sample b and head h,
// P = softmax(Q Kᵀ / sqrt(head_dim)) row by row and O = P V. The softmax subtracts each row's
// maximum first, so logits of any finite magnitude give finite probabilities. All tensors are in
// one activation storage type S (f32, bf16 or f16, doc/mixed_precision.md); logits, softmax and
// sums are fp32, and each S output is rounded once.
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct AttentionDesc {
  std::int64_t batch = 1, tokens = 1, dim = 1, heads = 1;
  std::int64_t head_dim() const { return dim / heads; }
  // Multiply-accumulates of Q Kᵀ and P V, for the whole batch.
  std::int64_t macs() const { return 2 * batch * tokens * tokens * dim; }
  bool operator==(const AttentionDesc&) const = default;
};

// qkv [B, T, 3D]: columns [0, D) are Q, [D, 2D) K, [2D, 3D) V, head h at columns
// h*head_dim .. (h+1)*head_dim of each (torchvision's in_proj order). Writes the probabilities
// probs [B, H, T, T] (kept for backward) and context [B, T, D] (heads side by side).
void attention_forward(const AttentionDesc& d, const Tensor& qkv, Tensor& probs, Tensor& context);
// Overwrites dqkv [B, T, 3D]; dprobs [B, H, T, T] is scratch.
void attention_backward(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv);

}  // namespace swag::ops
