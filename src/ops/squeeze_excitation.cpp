#include "swag/ops/squeeze_excitation.hpp"

#include "dtype_check.hpp"
#include "swag/ops/dispatch.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/pool.hpp"

namespace swag::ops {
namespace {

LinearDesc fc1(const SqueezeExcitationDesc& d) {
  return {d.batch, d.channels, d.squeeze_channels, true};
}
LinearDesc fc2(const SqueezeExcitationDesc& d) {
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
  activation_dtype(kSe, {{"x", &x},
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
  expect_f32(kSe, "dw1", g->w1);
  expect_f32(kSe, "db1", g->b1);
  expect_f32(kSe, "dw2", g->w2);
  expect_f32(kSe, "db2", g->b2);
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

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y) {
  SWAG_CHECK(x.rank() == 4, "channel_scale: x must be NHWC");
  expect_shape("channel_scale", "scale", scale, {x.dim(0), x.dim(3)});
  expect_shape("channel_scale", "y", y, x.shape());
  activation_dtype("channel_scale", {{"x", &x}, {"scale", &scale}, {"y", &y}});
  SWAG_BACKEND_CALL(on_cuda("channel_scale", x, true), channel_scale_forward, x, scale, y);
}

void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale) {
  SWAG_CHECK(x.rank() == 4, "channel_scale: x must be NHWC");
  expect_shape("channel_scale", "dy", dy, x.shape());
  expect_shape("channel_scale", "dx", dx, x.shape());
  expect_shape("channel_scale", "dscale", dscale, scale.shape());
  activation_dtype("channel_scale",
                   {{"x", &x}, {"scale", &scale}, {"dy", &dy}, {"dx", &dx}, {"dscale", &dscale}});
  SWAG_BACKEND_CALL(on_cuda("channel_scale", x, true), channel_scale_backward, x, scale, dy, dx,
                    dscale);
}

void squeeze_excitation_forward(const SqueezeExcitationDesc& d, const Tensor& x,
                                const SqueezeExcitationWeights& w, SqueezeExcitationCache& c,
                                Tensor& y) {
  check_dtypes(x, w, c, nullptr);
  activation_dtype(kSe, {{"x", &x}, {"y", &y}});
  global_avg_pool_forward(x, c.pooled);
  linear_forward(fc1(d), c.pooled, as_matrix(w.w1), &w.b1, c.hidden);
  relu_forward(c.hidden, c.hidden);
  linear_forward(fc2(d), c.hidden, as_matrix(w.w2), &w.b2, c.scale);
  sigmoid_forward(c.scale, c.scale);
  channel_scale_forward(x, c.scale, y);
}

void squeeze_excitation_backward(const SqueezeExcitationDesc& d, const Tensor& x,
                                 const SqueezeExcitationWeights& w, const SqueezeExcitationCache& c,
                                 const Tensor& dy, Tensor& dx, SqueezeExcitationWeights& g) {
  check_dtypes(x, w, c, &g);
  activation_dtype(kSe, {{"x", &x}, {"dy", &dy}, {"dx", &dx}});
  // The cache's scratch tensors are written here; they share storage with the caller's cache.
  Tensor dscale = c.dscale, dhidden = c.dhidden, dpooled = c.dpooled;
  channel_scale_backward(x, c.scale, dy, dx, dscale);
  sigmoid_backward(c.scale, dscale, dscale);
  Tensor dw2 = as_matrix(g.w2), dw1 = as_matrix(g.w1);
  linear_backward(fc2(d), c.hidden, as_matrix(w.w2), dscale, &dhidden, dw2, &g.b2);
  relu_backward(c.hidden, dhidden, dhidden);
  linear_backward(fc1(d), c.pooled, as_matrix(w.w1), dhidden, &dpooled, dw1, &g.b1);
  global_avg_pool_backward(dpooled, dx, /*accumulate=*/true);
}

}  // namespace swag::ops
