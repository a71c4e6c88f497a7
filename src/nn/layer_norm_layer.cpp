#include "swag/nn/layer_norm_layer.hpp"

namespace swag::nn {

LayerNormLayer::LayerNormLayer(BuildContext& ctx, const std::string& prefix,
                               const ops::LayerNormDesc& desc)
    : desc_(desc) {
  gamma_ = ctx.params.add(prefix + ".weight", {desc.features}, Init::constant_value(1.0f), false);
  beta_ = ctx.params.add(prefix + ".bias", {desc.features}, Init::constant_value(0.0f), false);
}

void LayerNormLayer::allocate(const ParameterStore& params, const Placement& at) {
  g_ = params.value(gamma_);
  b_ = params.value(beta_);
  dg_ = params.grad(gamma_);
  db_ = params.grad(beta_);
  mean_ = at.f32({desc_.rows});
  rstd_ = at.f32({desc_.rows});
  out_ = at.activation({desc_.rows, desc_.features});
}

const Tensor& LayerNormLayer::forward(const Tensor& x) {
  ops::layer_norm_forward(desc_, x, g_, b_, out_, mean_, rstd_);
  return out_;
}

void LayerNormLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  ops::layer_norm_backward(desc_, x, dout, g_, mean_, rstd_, dx, dg_, db_);
}

}  // namespace swag::nn
