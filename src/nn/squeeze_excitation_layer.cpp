#include "swag/nn/squeeze_excitation_layer.hpp"

#include <cmath>

#include "swag/ops/dtype_check.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/pool.hpp"

namespace swag::nn {
namespace {

ops::LinearDesc fc1(const SqueezeExcitationDesc& d) {
  return {d.batch, d.channels, d.squeeze_channels, true};
}
ops::LinearDesc fc2(const SqueezeExcitationDesc& d) {
  return {d.batch, d.squeeze_channels, d.channels, true};
}
// The 1x1 convolution weights [out, in, 1, 1] seen as linear weights [out, in].
Tensor as_matrix(const Tensor& w) {
  return w.reshape({w.dim(0), w.dim(1)});
}

constexpr std::string_view kSe = "squeeze_excitation";

// The argument types of the composite: input, cache and weights in one type, weight gradients
// (when given) f32.
void check_dtypes(const Tensor& x, const SqueezeExcitationWeights& w,
                  const SqueezeExcitationCache& c, const SqueezeExcitationWeights* g) {
  ops::activation_dtype(kSe, {{"x", &x},
                              {"w1", &w.w1},
                              {"b1", &w.b1},
                              {"w2", &w.w2},
                              {"b2", &w.b2},
                              {"cache.pooled", &c.pooled},
                              {"cache.hidden", &c.hidden},
                              {"cache.scale", &c.scale},
                              {"cache.dscale", &c.dscale},
                              {"cache.dhidden", &c.dhidden},
                              {"cache.dpooled", &c.dpooled}});
  if (!g) return;
  ops::expect_f32(kSe, "dw1", g->w1);
  ops::expect_f32(kSe, "db1", g->b1);
  ops::expect_f32(kSe, "dw2", g->w2);
  ops::expect_f32(kSe, "db2", g->b2);
}

}  // namespace

SqueezeExcitationCache SqueezeExcitationCache::allocate(const SqueezeExcitationDesc& d,
                                                        Device device, DType dtype) {
  SWAG_CHECK(is_float_type(dtype), "squeeze_excitation: cache of {}", dtype_name(dtype));
  const Shape nc{d.batch, d.channels}, ns{d.batch, d.squeeze_channels};
  return {Tensor::empty(nc, dtype, device), Tensor::empty(ns, dtype, device),
          Tensor::empty(nc, dtype, device), Tensor::empty(nc, dtype, device),
          Tensor::empty(ns, dtype, device), Tensor::empty(nc, dtype, device)};
}

void squeeze_excitation_forward(const SqueezeExcitationDesc& d, const Tensor& x,
                                const SqueezeExcitationWeights& w, SqueezeExcitationCache& c,
                                Tensor& y) {
  check_dtypes(x, w, c, nullptr);
  ops::activation_dtype(kSe, {{"x", &x}, {"y", &y}});
  ops::global_avg_pool_forward(x, c.pooled);
  ops::linear_forward(fc1(d), c.pooled, as_matrix(w.w1), &w.b1, c.hidden);
  ops::relu_forward(c.hidden, c.hidden);
  ops::linear_forward(fc2(d), c.hidden, as_matrix(w.w2), &w.b2, c.scale);
  ops::sigmoid_forward(c.scale, c.scale);
  ops::channel_scale_forward(x, c.scale, y);
}

void squeeze_excitation_backward(const SqueezeExcitationDesc& d, const Tensor& x,
                                 const SqueezeExcitationWeights& w, const SqueezeExcitationCache& c,
                                 const Tensor& dy, Tensor& dx, SqueezeExcitationWeights& g) {
  check_dtypes(x, w, c, &g);
  ops::activation_dtype(kSe, {{"x", &x}, {"dy", &dy}, {"dx", &dx}});
  // The cache's scratch tensors are written here; they share storage with the caller's cache.
  Tensor dscale = c.dscale, dhidden = c.dhidden, dpooled = c.dpooled;
  ops::channel_scale_backward(x, c.scale, dy, dx, dscale);
  ops::sigmoid_backward(c.scale, dscale, dscale);
  Tensor dw2 = as_matrix(g.w2), dw1 = as_matrix(g.w1);
  ops::linear_backward(fc2(d), c.hidden, as_matrix(w.w2), dscale, &dhidden, dw2, &g.b2);
  ops::relu_backward(c.hidden, dhidden, dhidden);
  ops::linear_backward(fc1(d), c.pooled, as_matrix(w.w1), dhidden, &dpooled, dw1, &g.b1);
  ops::global_avg_pool_backward(dpooled, dx, /*accumulate=*/true);
}

SqueezeExcitationLayer::SqueezeExcitationLayer(BuildContext& ctx, const std::string& prefix,
                                               const SqueezeExcitationDesc& desc)
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
  cache_ = SqueezeExcitationCache::allocate(desc_, at.device, at.activations);
  out_ = at.activation({desc_.batch, desc_.height, desc_.width, desc_.channels});
}

const Tensor& SqueezeExcitationLayer::forward(const Tensor& x) {
  squeeze_excitation_forward(desc_, x, weights_, cache_, out_);
  return out_;
}

void SqueezeExcitationLayer::backward(const Tensor& x, const Tensor& dout, Tensor& dx) {
  squeeze_excitation_backward(desc_, x, weights_, cache_, dout, dx, grads_);
}

}  // namespace swag::nn
