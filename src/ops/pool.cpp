#include "swag/ops/pool.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {

void global_avg_pool_forward(const Tensor& x, Tensor& y) {
  SWAG_CHECK(x.rank() == 4, "global_avg_pool: x must be NHWC, got {}", shape_str(x.shape()));
  expect_shape("global_avg_pool", "y", y, {x.dim(0), x.dim(3)});
  activation_dtype("global_avg_pool", {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(on_cuda("global_avg_pool", x, true), global_avg_pool_forward, x, y);
}

void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate) {
  SWAG_CHECK(dx.rank() == 4, "global_avg_pool: dx must be NHWC, got {}", shape_str(dx.shape()));
  expect_shape("global_avg_pool", "dy", dy, {dx.dim(0), dx.dim(3)});
  activation_dtype("global_avg_pool", {{"dy", &dy}, {"dx", &dx}});
  SWAG_BACKEND_CALL(on_cuda("global_avg_pool", dx, true), global_avg_pool_backward, dy, dx,
                    accumulate);
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

}  // namespace swag::ops
