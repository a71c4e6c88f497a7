#include "swag/nn/self_attention_layer.hpp"

#include <cmath>

#include "swag/ops/linear.hpp"

namespace swag::nn {
namespace {

using ops::AttentionDesc;

ops::LinearDesc in_proj(const AttentionDesc& d) {
  return {d.batch * d.tokens, d.dim, 3 * d.dim, true};
}
ops::LinearDesc out_proj(const AttentionDesc& d) {
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
  ops::linear_forward(in_proj(d), x, w.in_w, &w.in_b, c.qkv);
  Tensor context = as_tokens(d, c.context);
  ops::attention_forward(d, as_tokens(d, c.qkv), c.probs, context);
  ops::linear_forward(out_proj(d), c.context, w.out_w, &w.out_b, y);
}

void self_attention_backward(const AttentionDesc& d, const Tensor& x, const SelfAttentionWeights& w,
                             const SelfAttentionCache& c, const Tensor& dy, Tensor& dx,
                             SelfAttentionWeights& g) {
  // The cache's scratch tensors are written here; they share storage with the caller's cache.
  Tensor dcontext = c.dcontext, dprobs = c.dprobs, dqkv = as_tokens(d, c.dqkv);
  ops::linear_backward(out_proj(d), c.context, w.out_w, dy, &dcontext, g.out_w, &g.out_b);
  ops::attention_backward(d, as_tokens(d, c.qkv), c.probs, as_tokens(d, dcontext), dprobs, dqkv);
  ops::linear_backward(in_proj(d), x, w.in_w, c.dqkv, &dx, g.in_w, &g.in_b);
}

SelfAttentionLayer::SelfAttentionLayer(BuildContext& ctx, const std::string& prefix,
                                       const AttentionDesc& desc)
    : desc_(desc) {
  const std::int64_t d = desc.dim, rows = desc.batch * desc.tokens;
  // nn.MultiheadAttention._reset_parameters: xavier_uniform on the fused [3D, D] weight, zero
  // biases; out_proj keeps nn.Linear's kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(D)).
  in_w_ = ctx.params.add(prefix + ".in_proj_weight", {3 * d, d}, Init::xavier_uniform(d, 3 * d));
  in_b_ = ctx.params.add(prefix + ".in_proj_bias", {3 * d}, Init::constant_value(0.0f));
  out_w_ = ctx.params.add(prefix + ".out_proj.weight", {d, d},
                          Init::uniform(1.0f / std::sqrt(static_cast<float>(d))));
  out_b_ = ctx.params.add(prefix + ".out_proj.bias", {d}, Init::constant_value(0.0f));
  ctx.stats.add_linear({rows, d, 3 * d, true});
  ctx.stats.add_attention(desc);
  ctx.stats.add_linear({rows, d, d, true});
}

void SelfAttentionLayer::allocate(const ParameterStore& params, const Scratch& scratch,
                                  const Placement& at) {
  weights_ = {params.compute_value(in_w_), params.compute_value(in_b_),
              params.compute_value(out_w_), params.compute_value(out_b_)};
  grads_ = {params.grad(in_w_), params.grad(in_b_), params.grad(out_w_), params.grad(out_b_)};
  const std::int64_t rows = desc_.batch * desc_.tokens, d = desc_.dim;
  const Shape probs{desc_.batch, desc_.heads, desc_.tokens, desc_.tokens};
  cache_.qkv = at.activation({rows, 3 * d});
  cache_.probs = at.activation(probs);
  cache_.context = at.activation({rows, d});
  cache_.dcontext = view_as(scratch.a, {rows, d});
  cache_.dprobs = view_as(scratch.b, probs);
  cache_.dqkv = view_as(scratch.d, {rows, 3 * d});
}

void SelfAttentionLayer::forward(const Tensor& x, Tensor& y) {
  self_attention_forward(desc_, x, weights_, cache_, y);
}

void SelfAttentionLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  self_attention_backward(desc_, x, weights_, cache_, dout, dx, grads_);
}

}  // namespace swag::nn
