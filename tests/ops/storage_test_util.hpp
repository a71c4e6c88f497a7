// Host helpers shared by the 16-bit activation ("mixed precision", doc/mixed_precision.md) tests
// of tests/ops, tests/cuda and tests/train: rounding f32 host tensors to bf16 or f16 and widening
// them back, the storage types' unit roundoff, bitwise comparison, and the norm-wise relative
// error of a training step. Self-contained (no op_test_util.hpp, whose random_tensor would clash
// with tests/cuda/parity.hpp's); the op tests' 16-bit bound, expect_storage_bound, is in
// op_test_util.hpp, and the CUDA parity bounds in tests/cuda/storage_parity.hpp.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "swag/core/float16.hpp"
#include "swag/core/float_types.hpp"
#include "swag/core/tensor.hpp"

namespace swag::test {

// u_s, the unit roundoff of the storage type: 2^-8 for bf16, 2^-11 for f16 (0 for any other).
inline double storage_roundoff(DType s) {
  return s == DType::bf16 ? 0x1p-8 : s == DType::f16 ? 0x1p-11 : 0.0;
}

inline std::string storage_name(DType s) {
  return std::string(dtype_name(s));
}

// f (host f32) rounded to s, as a host tensor of dtype s.
inline Tensor round_to(const Tensor& f, DType s) {
  Tensor t = Tensor::empty(f.shape(), s);
  visit_float_type(s, "round_to", [&](auto tag) {
    using T = decltype(tag);
    for (std::int64_t i = 0; i < f.numel(); ++i) t.data<T>()[i] = store_as<T>(f.data<float>()[i]);
  });
  return t;
}

// The values of a host float tensor (f32, bf16 or f16) as f32 (exact).
inline Tensor widen(const Tensor& t) {
  Tensor f = Tensor::empty(t.shape());
  visit_float_type(t.dtype(), "widen", [&](auto tag) {
    using T = decltype(tag);
    for (std::int64_t i = 0; i < t.numel(); ++i) f.data<float>()[i] = load(t.data<T>()[i]);
  });
  return f;
}

// Two host tensors of the same dtype and shape hold the same bits, element by element.
inline void expect_same_bits(const Tensor& got, const Tensor& want, std::string_view what) {
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

// A GEMM-like layer's (conv2d, linear) outputs and gradients, in the dtypes the op was given.
struct GemmLayerRun {
  Tensor y, dx, dw, db;
};

// The layer on 16-bit inputs (`got`, storage s) is the fp32 layer on the same values widened
// (`widened`) with y and dx rounded once to s; dw and db, fp32 on both sides, to the bit.
inline void expect_fp32_rounded_once(const GemmLayerRun& got, const GemmLayerRun& widened, DType s,
                                     bool bias, const std::string& what) {
  expect_same_bits(got.y, round_to(widened.y, s), what + " y");
  expect_same_bits(got.dx, round_to(widened.dx, s), what + " dx");
  expect_same_bits(got.dw, widened.dw, what + " dw");
  if (bias) expect_same_bits(got.db, widened.db, what + " db");
}

// ||a - b|| / ||b|| over two host f32 tensors of the same size.
inline double relative_error(const Tensor& a, const Tensor& b) {
  double d = 0, n = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data<float>()[i], y = b.data<float>()[i];
    d += (x - y) * (x - y);
    n += y * y;
  }
  return std::sqrt(d / n);
}

}  // namespace swag::test
