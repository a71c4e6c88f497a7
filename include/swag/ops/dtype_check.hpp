// The storage-type contract of the op front-ends (doc/mixed_precision.md): the activation
// tensors of one call share one float type S, and some arguments are fp32 whatever S is.
#pragma once
#include <initializer_list>
#include <string_view>

#include "swag/core/float_types.hpp"
#include "swag/core/tensor.hpp"

namespace swag::ops {

struct NamedTensor {
  std::string_view name;
  const Tensor* tensor;
};

// Returns the storage type shared by `args` (f32, bf16 or f16); another dtype, or two that
// differ, is an internal error naming the op and the argument.
inline DType activation_dtype(std::string_view op, std::initializer_list<NamedTensor> args) {
  const NamedTensor& first = *args.begin();
  const DType s = first.tensor->dtype();
  SWAG_CHECK(is_float_type(s), "{}: {} of {}, want f32, bf16 or f16", op, first.name,
             dtype_name(s));
  for (const NamedTensor& a : args)
    SWAG_CHECK(a.tensor->dtype() == s, "{}: {} of {} with {} of {}", op, a.name,
               dtype_name(a.tensor->dtype()), first.name, dtype_name(s));
  return s;
}

// An argument that is fp32 whatever the activations are (targets, parameter gradients).
inline void expect_f32(std::string_view op, std::string_view arg, const Tensor& t) {
  SWAG_CHECK(t.dtype() == DType::f32, "{}: {} of {}, want f32", op, arg, dtype_name(t.dtype()));
}

// The GEMM-like ops: x and the non-null `activations` (w, b, y, dy, dx) share x's float type;
// the non-null `gradients` (dw, db) are fp32 whatever it is.
inline void check_gemm_types(std::string_view op, const Tensor& x,
                             std::initializer_list<const Tensor*> activations,
                             std::initializer_list<const Tensor*> gradients) {
  SWAG_CHECK(is_float_type(x.dtype()), "{}: x is {}, expected f32, bf16 or f16", op,
             dtype_name(x.dtype()));
  for (const Tensor* t : activations)
    SWAG_CHECK(!t || t->dtype() == x.dtype(), "{}: a {} tensor of shape {} with {} activations", op,
               dtype_name(t->dtype()), shape_str(t->shape()), dtype_name(x.dtype()));
  for (const Tensor* t : gradients)
    SWAG_CHECK(!t || t->dtype() == DType::f32, "{}: parameter gradient of shape {} is {}, not f32",
               op, shape_str(t->shape()), dtype_name(t->dtype()));
}

}  // namespace swag::ops
