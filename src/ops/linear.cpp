#include "swag/ops/linear.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {
namespace {

void check(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b) {
  SWAG_CHECK(d.bias == (b != nullptr), "linear: bias flag and bias tensor disagree");
  expect_shape("linear", "x", x, {d.rows, d.in_features});
  expect_shape("linear", "w", w, {d.out_features, d.in_features});
  if (b) expect_shape("linear", "b", *b, {d.out_features});
}

}  // namespace

void linear_forward(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  check(d, x, w, b);
  expect_shape("linear", "y", y, {d.rows, d.out_features});
  check_gemm_types("linear", x, {&w, b, &y}, {});
  SWAG_BACKEND_CALL(on_cuda("linear", x, true), linear_forward, d, x, w, b, y);
}

void linear_backward(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  check(d, x, w, db);
  expect_shape("linear", "dy", dy, {d.rows, d.out_features});
  if (dx) expect_shape("linear", "dx", *dx, {d.rows, d.in_features});
  check_gemm_types("linear", x, {&w, &dy, dx}, {&dw, db});
  expect_shape("linear", "dw", dw, {d.out_features, d.in_features});
  SWAG_BACKEND_CALL(on_cuda("linear", x, true), linear_backward, d, x, w, dy, dx, dw, db);
}

}  // namespace swag::ops
