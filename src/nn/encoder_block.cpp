#include "swag/nn/encoder_block.hpp"

#include "swag/ops/elementwise.hpp"

namespace swag::nn {

EncoderBlock::EncoderBlock(BuildContext& ctx, const std::string& prefix, const EncoderShape& s)
    : ln_1_(ctx, prefix + ".ln_1", {s.batch * s.tokens, s.dim}),
      attention_(ctx, prefix + ".self_attention", {s.batch, s.tokens, s.dim, s.heads}),
      ln_2_(ctx, prefix + ".ln_2", {s.batch * s.tokens, s.dim}),
      mlp_(ctx, prefix + ".mlp", {s.batch * s.tokens, s.dim, s.mlp_dim}),
      shape_(s) {}

void EncoderBlock::allocate(const ParameterStore& params, const Scratch& scratch,
                            const Placement& at, const Placement& inner) {
  ln_1_.allocate(params, inner);
  attention_.allocate(params, scratch, inner);
  ln_2_.allocate(params, inner);
  mlp_.allocate(params, scratch, inner);
  const Shape shape{shape_.batch * shape_.tokens, shape_.dim};
  x1_ = inner.activation(shape);
  out_ = at.activation(shape);
  d_ln2_out_ = view_as(scratch.b, shape);
  d_x1_ = view_as(scratch.c, shape);
  d_ln1_out_ = view_as(scratch.a, shape);
}

const Tensor& EncoderBlock::forward(const Tensor& x) {
  attention_.forward(ln_1_.forward(x), x1_);
  ops::accumulate(x, x1_);
  mlp_.forward(ln_2_.forward(x1_), out_);
  ops::accumulate(x1_, out_);
  return out_;
}

void EncoderBlock::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  // out = x1 + mlp(ln_2(x1)): the residual passes dout to x1, the branch adds its gradient.
  mlp_.backward(ln_2_.output(), dout, d_ln2_out_);
  ln_2_.backward(x1_, d_ln2_out_, d_x1_);
  ops::accumulate(dout, d_x1_);
  // x1 = x + attention(ln_1(x)): the same again.
  attention_.backward(ln_1_.output(), d_x1_, d_ln1_out_);
  ln_1_.backward(x, d_ln1_out_, dx);
  ops::accumulate(d_x1_, dx);
}

}  // namespace swag::nn
