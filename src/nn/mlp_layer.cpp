#include "swag/nn/mlp_layer.hpp"

namespace swag::nn {

MlpLayer::MlpLayer(BuildContext& ctx, const std::string& prefix, const ops::MlpDesc& desc)
    : desc_(desc) {
  const std::int64_t d = desc.features, h = desc.hidden;
  w1_ = ctx.params.add(prefix + ".0.weight", {h, d}, Init::xavier_uniform(d, h));
  b1_ = ctx.params.add(prefix + ".0.bias", {h}, Init::normal(1e-6f));
  w2_ = ctx.params.add(prefix + ".3.weight", {d, h}, Init::xavier_uniform(h, d));
  b2_ = ctx.params.add(prefix + ".3.bias", {d}, Init::normal(1e-6f));
  ctx.stats.add_linear({desc.rows, d, h, true});
  ctx.stats.add_linear({desc.rows, h, d, true});
}

void MlpLayer::allocate(const ParameterStore& params, const Scratch& scratch, const Placement& at) {
  weights_ = {params.compute_value(w1_), params.compute_value(b1_), params.compute_value(w2_),
              params.compute_value(b2_)};
  grads_ = {params.grad(w1_), params.grad(b1_), params.grad(w2_), params.grad(b2_)};
  const Shape hidden{desc_.rows, desc_.hidden};
  cache_.pre = at.activation(hidden);
  cache_.act = at.activation(hidden);
  cache_.dact = view_as(scratch.a, hidden);
}

void MlpLayer::forward(const Tensor& x, Tensor& y) {
  ops::mlp_forward(desc_, x, weights_, cache_, y);
}

void MlpLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  ops::mlp_backward(desc_, x, weights_, cache_, dout, dx, grads_);
}

}  // namespace swag::nn
