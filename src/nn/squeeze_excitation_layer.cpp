#include "swag/nn/squeeze_excitation_layer.hpp"

#include <cmath>

namespace swag::nn {

SqueezeExcitationLayer::SqueezeExcitationLayer(BuildContext& ctx, const std::string& prefix,
                                               const ops::SqueezeExcitationDesc& desc)
    : desc_(desc) {
  const std::int64_t c = desc.channels, s = desc.squeeze_channels;
  // RegNet's init gives every conv N(0, sqrt(2 / fan_out)); biases keep PyTorch's default
  // U(+-1/sqrt(fan_in)).
  auto std_of = [](std::int64_t fan_out) { return std::sqrt(2.0f / static_cast<float>(fan_out)); };
  auto bound_of = [](std::int64_t fan_in) { return 1.0f / std::sqrt(static_cast<float>(fan_in)); };
  w1_ = ctx.params.add(prefix + ".fc1.weight", {s, c, 1, 1}, Init::normal(std_of(s)));
  b1_ = ctx.params.add(prefix + ".fc1.bias", {s}, Init::uniform(bound_of(c)));
  w2_ = ctx.params.add(prefix + ".fc2.weight", {c, s, 1, 1}, Init::normal(std_of(c)));
  b2_ = ctx.params.add(prefix + ".fc2.bias", {c}, Init::uniform(bound_of(s)));
  ctx.stats.add_linear({desc.batch, c, s, true});
  ctx.stats.add_linear({desc.batch, s, c, true});
}

void SqueezeExcitationLayer::allocate(const ParameterStore& params, const Placement& at) {
  weights_ = {params.compute_value(w1_), params.compute_value(b1_), params.compute_value(w2_),
              params.compute_value(b2_)};
  grads_ = {params.grad(w1_), params.grad(b1_), params.grad(w2_), params.grad(b2_)};
  cache_ = ops::SqueezeExcitationCache::allocate(desc_, at.device, at.activations);
  out_ = at.activation({desc_.batch, desc_.height, desc_.width, desc_.channels});
}

const Tensor& SqueezeExcitationLayer::forward(const Tensor& x) {
  ops::squeeze_excitation_forward(desc_, x, weights_, cache_, out_);
  return out_;
}

void SqueezeExcitationLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  ops::squeeze_excitation_backward(desc_, x, weights_, cache_, dout, dx, grads_);
}

}  // namespace swag::nn
