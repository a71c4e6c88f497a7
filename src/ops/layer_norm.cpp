#include "swag/ops/layer_norm.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {
namespace {

// Checks the shapes; returns whether the op runs on CUDA.
bool check(const LayerNormDesc& d, const Tensor& x, const Tensor& gamma, const Tensor& mean,
           const Tensor& rstd) {
  SWAG_CHECK(x.numel() == d.rows * d.features, "layer_norm: x has {} elements, expected {}x{}",
             x.numel(), d.rows, d.features);
  expect_shape("layer_norm", "gamma", gamma, {d.features});
  expect_shape("layer_norm", "mean", mean, {d.rows});
  expect_shape("layer_norm", "rstd", rstd, {d.rows});
  return on_cuda("layer_norm", x, true);
}

}  // namespace

void layer_norm_forward(const LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd) {
  const bool gpu = check(d, x, gamma, mean, rstd);
  expect_shape("layer_norm", "beta", beta, {d.features});
  SWAG_CHECK(y.numel() == x.numel(), "layer_norm: y has {} elements, x {}", y.numel(), x.numel());
  activation_dtype("layer_norm", {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(gpu, layer_norm_forward, d, x, gamma, beta, y, mean, rstd);
}

void layer_norm_backward(const LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta) {
  const bool gpu = check(d, x, gamma, mean, rstd);
  SWAG_CHECK(dy.numel() == x.numel() && dx.numel() == x.numel(),
             "layer_norm: dy, dx have {}, {} elements, x {}", dy.numel(), dx.numel(), x.numel());
  SWAG_CHECK(dx.raw() != dy.raw(), "layer_norm: dx must not alias dy");
  activation_dtype("layer_norm", {{"x", &x}, {"dy", &dy}, {"dx", &dx}});
  expect_shape("layer_norm", "dgamma", dgamma, {d.features});
  expect_shape("layer_norm", "dbeta", dbeta, {d.features});
  SWAG_BACKEND_CALL(gpu, layer_norm_backward, d, x, dy, gamma, mean, rstd, dx, dgamma, dbeta);
}

}  // namespace swag::ops
