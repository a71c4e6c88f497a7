#include "swag/ops/conv2d.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {
namespace {

void check(const Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b) {
  SWAG_CHECK(d.in_channels % d.groups == 0 && d.out_channels % d.groups == 0,
             "conv2d: channels {}->{} do not divide into {} groups", d.in_channels, d.out_channels,
             d.groups);
  SWAG_CHECK(d.bias == (b != nullptr), "conv2d: bias flag and bias tensor disagree");
  expect_shape("conv2d", "x", x, d.input_shape());
  expect_shape("conv2d", "w", w, d.weight_shape());
  if (b) expect_shape("conv2d", "b", *b, {d.out_channels});
}

}  // namespace

void conv2d_forward(const Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  check(d, x, w, b);
  expect_shape("conv2d", "y", y, d.output_shape());
  check_gemm_types("conv2d", x, {&w, b, &y}, {});
  SWAG_BACKEND_CALL(on_cuda("conv2d", x, true), conv2d_forward, d, x, w, b, y);
}

void conv2d_backward(const Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  check(d, x, w, db);
  expect_shape("conv2d", "dy", dy, d.output_shape());
  if (dx) expect_shape("conv2d", "dx", *dx, d.input_shape());
  check_gemm_types("conv2d", x, {&w, &dy, dx}, {&dw, db});
  expect_shape("conv2d", "dw", dw, d.weight_shape());
  SWAG_BACKEND_CALL(on_cuda("conv2d", x, true), conv2d_backward, d, x, w, dy, dx, dw, db);
}

}  // namespace swag::ops
