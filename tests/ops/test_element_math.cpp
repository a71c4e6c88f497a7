// The shared element-wise formulas against libm in double, swept over dense grids of floats.
#include <gtest/gtest.h>

#include <cmath>

#include "swag/ops/element_math.hpp"

namespace swag::test {
namespace {

// |got - want| in units of the last place of want (as a float).
double ulps(float got, double want) {
  const auto w = static_cast<float>(want);
  const double ulp = std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
  return std::fabs(got - want) / ulp;
}

TEST(ElementMath, ExpNonpositiveWithin2Ulp) {
  double worst = 0.0;
  for (int i = 0; i <= 2000000; ++i) {
    const float x = -87.3f * static_cast<float>(i) / 2000000.0f;
    worst = std::fmax(worst, ulps(ops::math::exp_nonpositive(x), std::exp(static_cast<double>(x))));
  }
  EXPECT_LE(worst, 2.0);
  EXPECT_EQ(ops::math::exp_nonpositive(0.0f), 1.0f);
  // Clamped to exp(-87.33654), just above the smallest normal float: never denormal or NaN.
  for (const float x : {-88.0f, -1e30f, -INFINITY}) {
    EXPECT_GE(ops::math::exp_nonpositive(x), 0x1p-126f) << x;
    EXPECT_LE(ops::math::exp_nonpositive(x), 1.2e-38f) << x;
  }
}

TEST(ElementMath, ErfWithin3Ulp) {
  double worst = 0.0;
  for (int i = -2000000; i <= 2000000; ++i) {
    const float x = 5.0f * static_cast<float>(i) / 2000000.0f;
    if (x == 0.0f) continue;
    worst = std::fmax(worst, ulps(ops::math::erf_poly(x), std::erf(static_cast<double>(x))));
  }
  EXPECT_LE(worst, 3.0);
  EXPECT_EQ(ops::math::erf_poly(0.0f), 0.0f);
  EXPECT_EQ(ops::math::erf_poly(10.0f), 1.0f);
  EXPECT_EQ(ops::math::erf_poly(-1e30f), -1.0f);
}

}  // namespace
}  // namespace swag::test
