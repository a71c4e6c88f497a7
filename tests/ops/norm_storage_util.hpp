// Helpers of the norms' mixed-precision tests (doc/mixed_precision.md): a 16-bit op must equal,
// bit for bit, the f32 op on the widened inputs with its 16-bit outputs rounded once.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

#include "swag/core/tensor.hpp"

namespace swag::test {

// A host f32 tensor rounded to T.
template <class T>
Tensor round_to(const Tensor& t) {
  Tensor r = Tensor::empty(t.shape(), dtype_of<T>());
  for (std::int64_t i = 0; i < t.numel(); ++i) r.data<T>()[i] = store_as<T>(t.data<float>()[i]);
  return r;
}

// A host T tensor widened to f32 (exactly).
template <class T>
Tensor widen(const Tensor& t) {
  Tensor r = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) r.data<float>()[i] = load(t.data<T>()[i]);
  return r;
}

inline void expect_same_bits(const Tensor& got, const Tensor& want, std::string_view what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.nbytes(), want.nbytes()) << what;
  std::int64_t bad = 0;
  const std::size_t size = dtype_size(got.dtype());
  for (std::int64_t i = 0; i < got.numel(); ++i)
    bad += std::memcmp(static_cast<const char*>(got.raw()) + i * size,
                       static_cast<const char*>(want.raw()) + i * size, size) != 0;
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.numel() << " elements differ";
}

}  // namespace swag::test
