#include "swag/nn/conv_bn.hpp"

#include <cmath>

namespace swag::nn {

ConvBn::ConvBn(BuildContext& ctx, const std::string& prefix, const ops::Conv2dDesc& conv, bool relu)
    : conv_(conv) {
  SWAG_CHECK(conv.batch == ctx.batch && !conv.bias, "ConvBn '{}': bad descriptor", prefix);
  const std::int64_t c = conv.out_channels;
  bn_ = {conv.batch * conv.out_height() * conv.out_width(), c, 1e-5f, 0.1f, relu, ctx.bn_sync};
  // torchvision RegNet init: conv weights N(0, sqrt(2 / fan_out)), fan_out = k*k*out_channels.
  const float std = std::sqrt(2.0f / static_cast<float>(conv.kernel * conv.kernel * c));
  weight_ = ctx.params.add(prefix + ".0.weight", conv.weight_shape(), Init::normal(std));
  gamma_ = ctx.params.add(prefix + ".1.weight", {c}, Init::constant_value(1.0f), false);
  beta_ = ctx.params.add(prefix + ".1.bias", {c}, Init::constant_value(0.0f), false);
  mean_ = ctx.buffers.add(prefix + ".1.running_mean", {c}, Init::constant_value(0.0f));
  var_ = ctx.buffers.add(prefix + ".1.running_var", {c}, Init::constant_value(1.0f));
  ctx.stats.add_conv(conv);
}

void ConvBn::allocate(const ParameterStore& params, const ParameterStore& buffers,
                      const Scratch& scratch, const Placement& at) {
  w_ = params.compute_value(weight_);
  dw_ = params.grad(weight_);
  dgamma_ = params.grad(gamma_);
  dbeta_ = params.grad(beta_);
  state_.gamma = params.value(gamma_);
  state_.beta = params.value(beta_);
  state_.running_mean = buffers.value(mean_);
  state_.running_var = buffers.value(var_);
  state_.save_mean = at.f32({bn_.channels});
  state_.save_invstd = at.f32({bn_.channels});
  conv_out_ = at.activation(conv_.output_shape());
  out_ = at.activation(conv_.output_shape());
  dconv_ = view_as(scratch.e, conv_.output_shape());
}

const Tensor& ConvBn::forward(const Tensor& x, Pass pass) {
  ops::conv2d_forward(conv_, x, w_, nullptr, conv_out_);
  switch (pass) {
    case Pass::train: ops::batchnorm_forward_train(bn_, conv_out_, state_, out_); break;
    case Pass::eval: ops::batchnorm_forward_eval(bn_, conv_out_, state_, out_); break;
    case Pass::recompute: ops::batchnorm_forward_saved(bn_, conv_out_, state_, out_); break;
  }
  return out_;
}

void ConvBn::backward(const Tensor& x, const Tensor& dout, Tensor* dx) {
  ops::batchnorm_backward(bn_, conv_out_, dout, state_, dconv_, dgamma_, dbeta_);
  ops::conv2d_backward(conv_, x, w_, dconv_, dx, dw_, nullptr);
}

}  // namespace swag::nn
