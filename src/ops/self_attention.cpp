#include "swag/ops/self_attention.hpp"

#include "swag/ops/linear.hpp"

namespace swag::ops {
namespace {

LinearDesc in_proj(const AttentionDesc& d) {
  return {d.batch * d.tokens, d.dim, 3 * d.dim, true};
}
LinearDesc out_proj(const AttentionDesc& d) {
  return {d.batch * d.tokens, d.dim, d.dim, true};
}
// The [B*T, C] rows of a linear layer seen as [B, T, C] tokens (same storage).
Tensor as_tokens(const AttentionDesc& d, const Tensor& t) {
  return t.reshape({d.batch, d.tokens, t.numel() / (d.batch * d.tokens)});
}

}  // namespace

SelfAttentionCache SelfAttentionCache::allocate(const AttentionDesc& d, Device device,
                                                DType dtype) {
  const Shape qkv{d.batch * d.tokens, 3 * d.dim}, ctx{d.batch * d.tokens, d.dim};
  const Shape probs{d.batch, d.heads, d.tokens, d.tokens};
  auto make = [&](const Shape& s) { return Tensor::empty(s, dtype, device); };
  return {make(qkv), make(probs), make(ctx), make(ctx), make(probs), make(qkv)};
}

void self_attention_forward(const AttentionDesc& d, const Tensor& x, const SelfAttentionWeights& w,
                            SelfAttentionCache& c, Tensor& y) {
  linear_forward(in_proj(d), x, w.in_w, &w.in_b, c.qkv);
  Tensor context = as_tokens(d, c.context);
  attention_forward(d, as_tokens(d, c.qkv), c.probs, context);
  linear_forward(out_proj(d), c.context, w.out_w, &w.out_b, y);
}

void self_attention_backward(const AttentionDesc& d, const Tensor& x, const SelfAttentionWeights& w,
                             const SelfAttentionCache& c, const Tensor& dy, Tensor& dx,
                             SelfAttentionWeights& g) {
  // The cache's scratch tensors are written here; they share storage with the caller's cache.
  Tensor dcontext = c.dcontext, dprobs = c.dprobs, dqkv = as_tokens(d, c.dqkv);
  linear_backward(out_proj(d), c.context, w.out_w, dy, &dcontext, g.out_w, &g.out_b);
  attention_backward(d, as_tokens(d, c.qkv), c.probs, as_tokens(d, dcontext), dprobs, dqkv);
  linear_backward(in_proj(d), x, w.in_w, c.dqkv, &dx, g.in_w, &g.in_b);
}

}  // namespace swag::ops
