#include "swag/ops/linear.hpp"

#include <initializer_list>

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"
#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/cuda_ops.hpp"
#endif

namespace swag::ops {
namespace {

void check(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b) {
  SWAG_CHECK(d.bias == (b != nullptr), "linear: bias flag and bias tensor disagree");
  expect_shape("linear", "x", x, {d.rows, d.in_features});
  expect_shape("linear", "w", w, {d.out_features, d.in_features});
  if (b) expect_shape("linear", "b", *b, {d.out_features});
}

// x, w, b, y, dy and dx share the activation type S; dw and db are fp32 whatever S is
// (doc/mixed_precision.md).
void check_types(const Tensor& x, std::initializer_list<const Tensor*> activations,
                 std::initializer_list<const Tensor*> gradients) {
  SWAG_CHECK(is_float_type(x.dtype()), "linear: x is {}, expected f32, bf16 or f16",
             dtype_name(x.dtype()));
  for (const Tensor* t : activations)
    SWAG_CHECK(!t || t->dtype() == x.dtype(), "linear: a {} tensor of shape {} with {} activations",
               dtype_name(t->dtype()), shape_str(t->shape()), dtype_name(x.dtype()));
  for (const Tensor* t : gradients)
    SWAG_CHECK(!t || t->dtype() == DType::f32,
               "linear: parameter gradient of shape {} is {}, not f32", shape_str(t->shape()),
               dtype_name(t->dtype()));
}

}  // namespace

void linear_forward(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  check(d, x, w, b);
  expect_shape("linear", "y", y, {d.rows, d.out_features});
  check_types(x, {&w, b, &y}, {});
  SWAG_BACKEND_CALL(on_cuda("linear", x, true), linear_forward, d, x, w, b, y);
}

void linear_backward(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  check(d, x, w, db);
  expect_shape("linear", "dy", dy, {d.rows, d.out_features});
  if (dx) expect_shape("linear", "dx", *dx, {d.rows, d.in_features});
  check_types(x, {&w, &dy, dx}, {&dw, db});
  expect_shape("linear", "dw", dw, {d.out_features, d.in_features});
  SWAG_BACKEND_CALL(on_cuda("linear", x, true), linear_backward, d, x, w, dy, dx, dw, db);
}

}  // namespace swag::ops
