// Helpers of the 16-bit activation tests of the GEMM-like ops (doc/mixed_precision.md): on the
// CPU an op with bf16 or f16 tensors is the fp32 op on the widened inputs with each 16-bit output
// rounded once, bit for bit; and it is close to the fp32 op on the inputs before they were
// rounded to 16 bits, within the bound below.
//
// Bound. Let u_s be the unit roundoff of the storage type (bf16 2^-8, f16 2^-11), u = 2^-24 and
// k the number of terms an output sums. Rounding an input to 16 bits changes it by a relative
// u_s, so a product of two rounded inputs is off by (2 u_s + u_s^2) |a||b|; both fp32 sums (of
// the rounded and of the original terms) are within gamma_k (1 + u_s)^2 |a||b| of their exact
// values, together below 4 k u |a||b| (op_test_util.hpp); rounding the output to 16 bits adds
// u_s times it. With r roundings on the path (2 for a product feeding an fp32 output, 3 when the
// output is 16-bit too, 1 for a plain sum):
//     |op_s - op_fp32| <= (r u_s + 4 u_s^2 + 4 k u) |a||b| + eta,
// |a||b| the fp32 op on the inputs' absolute values. eta covers f16's subnormals (below 2^-14
// rounding is absolute, at most 2^-25): inputs in [-1, 1) give eta = (k + 1) 2^-24 for f16, 0
// for bf16, whose exponent range is fp32's. A wrong conversion (a truncation, a bf16 read as f16,
// a missed widening) is off by far more than this.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "op_test_util.hpp"
#include "swag/core/float16.hpp"
#include "swag/core/float_types.hpp"

namespace swag::test {

inline double storage_roundoff(DType s) {
  return s == DType::bf16 ? 0x1p-8 : s == DType::f16 ? 0x1p-11 : 0.0;
}

// f (f32) rounded to s, as a tensor of dtype s.
inline Tensor round_to(const Tensor& f, DType s) {
  Tensor t = Tensor::empty(f.shape(), s);
  visit_float_type(s, "round_to", [&](auto tag) {
    using T = decltype(tag);
    for (std::int64_t i = 0; i < f.numel(); ++i) t.data<T>()[i] = store_as<T>(f.data<float>()[i]);
  });
  return t;
}

// The values of a float tensor as f32 (exact).
inline Tensor widen(const Tensor& t) {
  Tensor f = Tensor::empty(t.shape());
  visit_float_type(t.dtype(), "widen", [&](auto tag) {
    using T = decltype(tag);
    for (std::int64_t i = 0; i < t.numel(); ++i) f.data<float>()[i] = load(t.data<T>()[i]);
  });
  return f;
}

inline Tensor abs_tensor(const Tensor& t) {
  Tensor a = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) a.data<float>()[i] = std::fabs(t.data<float>()[i]);
  return a;
}

inline void expect_same_bits(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const auto* g = static_cast<const unsigned char*>(got.raw());
  const auto* w = static_cast<const unsigned char*>(want.raw());
  const std::size_t size = dtype_size(got.dtype());
  std::int64_t bad = 0, first = -1;
  for (std::int64_t i = 0; i < got.numel(); ++i)
    if (std::memcmp(g + i * size, w + i * size, size) != 0 && bad++ == 0) first = i;
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.numel()
                    << " elements differ in their bits, the first at " << first;
}

// The bound at the top of this file: `got` (any float type) against the fp32 op's `want`, with
// `magnitude` the fp32 op on absolute values.
inline void expect_storage_bound(const Tensor& got, const Tensor& want, const Tensor& magnitude,
                                 DType s, int roundings, std::int64_t k, const std::string& what) {
  const double us = storage_roundoff(s);
  const double eta = s == DType::f16 ? static_cast<double>(k + 1) * 0x1p-24 : 0.0;
  const double rel = roundings * us + 4.0 * us * us + 4.0 * static_cast<double>(k) * kUnitRoundoff;
  Vec tol = to_double(magnitude);
  for (double& t : tol) t = rel * t + eta;
  expect_within(widen(got), to_double(want), tol, what);
}

inline std::string storage_name(DType s) {
  return std::string(dtype_name(s));
}

}  // namespace swag::test
