#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "swag/core/dtype.hpp"

using namespace swag;

TEST(DType, Sizes) {
  EXPECT_EQ(dtype_size(DType::f32), 4u);
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
  EXPECT_EQ(dtype_size(DType::f16), 2u);
  EXPECT_EQ(dtype_size(DType::u8), 1u);
  EXPECT_EQ(dtype_size(DType::i32), 4u);
  EXPECT_EQ(dtype_size(DType::i64), 8u);
}

TEST(DType, Bf16RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f).bits, 0x3f80);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(to_bf16(1.0f + 1.0f / 256).bits, 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (1 + 2^-6).
  EXPECT_EQ(to_bf16(1.0f + 3.0f / 256).bits, 0x3f82);
  EXPECT_FLOAT_EQ(to_float(to_bf16(-2.5f)), -2.5f);
  EXPECT_TRUE(std::isnan(to_float(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(DType, F16KnownEncodings) {
  EXPECT_EQ(to_f16(1.0f).bits, 0x3c00);
  EXPECT_EQ(to_f16(-2.0f).bits, 0xc000);
  EXPECT_EQ(to_f16(65504.0f).bits, 0x7bff);                      // largest half
  EXPECT_EQ(to_f16(65520.0f).bits, 0x7c00);                      // rounds to infinity
  EXPECT_EQ(to_f16(std::ldexp(1.0f, -24)).bits, 0x0001);         // smallest subnormal
  EXPECT_EQ(to_f16(std::ldexp(1.0f, -14)).bits, 0x0400);         // smallest normal
  EXPECT_EQ(to_f16(1.0f + std::ldexp(1.0f, -11)).bits, 0x3c00);  // tie to even
}

TEST(DType, F16RoundTripsEveryHalf) {
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const f16 h{static_cast<std::uint16_t>(b)};
    const float f = to_float(h);
    if (std::isnan(f)) continue;
    ASSERT_EQ(to_f16(f).bits, h.bits) << "bits " << b;
  }
}

// Against the compiler's own conversion (_Float16: GCC >= 12 on x86-64; clang only with
// AVX512-FP16, so clang-tidy on other CPUs skips it), over every float whose magnitude is in or
// near half's range (subnormals, ties, overflow) on a stride.
#ifdef __FLT16_MANT_DIG__
TEST(DType, F16MatchesCompilerConversion) {
  for (std::uint32_t abs = 0; abs < 0x47800000u; abs += 0x1f3u) {
    for (const std::uint32_t sign : {0u, 0x80000000u}) {
      float x;
      const std::uint32_t u = sign | abs;
      std::memcpy(&x, &u, sizeof x);
      const _Float16 ref = static_cast<_Float16>(x);
      std::uint16_t ref_bits;
      std::memcpy(&ref_bits, &ref, sizeof ref_bits);
      ASSERT_EQ(to_f16(x).bits, ref_bits) << "float bits " << std::hex << u;
    }
  }
}
#endif

// Against the definition: the nearer of the two bf16 neighbours of x (in double), the even one
// on a tie; above the largest finite bf16 the upper neighbour is 2^128, which rounds to infinity.
TEST(DType, Bf16IsTheNearestNeighbour) {
  for (std::uint32_t u = 0; u < 0x7f800000u; u += 0x3f1u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    const std::uint16_t lo = static_cast<std::uint16_t>(u >> 16);
    const auto up = static_cast<std::uint16_t>(lo + 1);
    const double dlo = static_cast<double>(x) - to_float(bf16{lo});
    const double hi = up == 0x7f80 ? std::ldexp(1.0, 128) : to_float(bf16{up});
    const double dhi = hi - x;
    const std::uint16_t want = dlo < dhi ? lo : (dhi < dlo ? up : ((lo & 1u) ? up : lo));
    ASSERT_EQ(to_bf16(x).bits, want) << "float bits " << std::hex << u;
  }
}
