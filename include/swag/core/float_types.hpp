// Dispatch on the storage type of float tensors (f32, bf16, f16) for kernels templated on it.
#pragma once
#include <string_view>

#include "swag/core/dtype.hpp"
#include "swag/core/error.hpp"

namespace swag {

inline bool is_float_type(DType t) {
  return t == DType::f32 || t == DType::bf16 || t == DType::f16;
}

// Returns f(T{}) with T = float, bf16 or f16 for t; any other dtype is an internal error naming
// `what` (the op and argument).
template <class F>
decltype(auto) visit_float_type(DType t, std::string_view what, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::bf16: return f(bf16{});
    case DType::f16: return f(f16{});
    default: break;
  }
  SWAG_CHECK(false, "{}: expected f32, bf16 or f16, got {}", what, dtype_name(t));
}

}  // namespace swag
