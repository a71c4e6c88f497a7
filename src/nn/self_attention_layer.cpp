#include "swag/nn/self_attention_layer.hpp"

#include <cmath>

namespace swag::nn {

SelfAttentionLayer::SelfAttentionLayer(BuildContext& ctx, const std::string& prefix,
                                       const ops::AttentionDesc& desc)
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
  ops::self_attention_forward(desc_, x, weights_, cache_, y);
}

void SelfAttentionLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  ops::self_attention_backward(desc_, x, weights_, cache_, dout, dx, grads_);
}

}  // namespace swag::nn
