#include "swag/nn/mlp_layer.hpp"

#include "swag/ops/elementwise.hpp"
#include "swag/ops/linear.hpp"

namespace swag::nn {
namespace {

ops::LinearDesc fc1(const MlpDesc& d) {
  return {d.rows, d.features, d.hidden, true};
}
ops::LinearDesc fc2(const MlpDesc& d) {
  return {d.rows, d.hidden, d.features, true};
}

}  // namespace

MlpCache MlpCache::allocate(const MlpDesc& d, Device device, DType dtype) {
  auto make = [&] { return Tensor::empty({d.rows, d.hidden}, dtype, device); };
  return {make(), make(), make()};
}

void mlp_forward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, MlpCache& c, Tensor& y) {
  ops::linear_forward(fc1(d), x, w.w1, &w.b1, c.pre);
  ops::gelu_forward(c.pre, c.act);
  ops::linear_forward(fc2(d), c.act, w.w2, &w.b2, y);
}

void mlp_backward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, const MlpCache& c,
                  const Tensor& dy, Tensor& dx, MlpWeights& g) {
  Tensor dact = c.dact;  // scratch, shared with the caller's cache
  ops::linear_backward(fc2(d), c.act, w.w2, dy, &dact, g.w2, &g.b2);
  ops::gelu_backward(c.pre, dact, dact);
  ops::linear_backward(fc1(d), x, w.w1, dact, &dx, g.w1, &g.b1);
}

MlpLayer::MlpLayer(BuildContext& ctx, const std::string& prefix, const MlpDesc& desc)
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
  mlp_forward(desc_, x, weights_, cache_, y);
}

void MlpLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  mlp_backward(desc_, x, weights_, cache_, dout, dx, grads_);
}

}  // namespace swag::nn
