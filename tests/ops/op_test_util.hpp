// Shared helpers of the op tests: random tensors, double copies, central differences, the two
// accuracy criteria and the 16-bit activations' bound (storage_test_util.hpp: the 16-bit
// helpers). The criteria are derived in doc/engine.md, "How the op tests judge accuracy".
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage_test_util.hpp"
#include "swag/core/rng.hpp"
#include "swag/core/tensor.hpp"

namespace swag::test {

using Vec = std::vector<double>;

constexpr double kUnitRoundoff = 0x1p-24;  // u of IEEE single precision

// Central-difference step for smooth ops: truncation error O(h^2) ~ 1e-12, and the double
// rounding of L divided by h stays ~1e-10 of |L|.
constexpr double kSmoothStep = 1e-6;
// Relative accuracy (to the largest entry) of results that pass through a handful of float
// roundings of quantities no larger than a few times the largest entry: ~10 u ~ 6e-7 expected,
// about 3x that allowed. A real bug (a missing term, a biased for an unbiased variance, a wrong
// mask) is off by far more.
constexpr double kSmoothRel = 2e-6;

inline double gamma(std::int64_t k) {
  const double ku = static_cast<double>(k) * kUnitRoundoff;
  return ku / (1.0 - ku);
}

inline Tensor random_tensor(const Shape& shape, std::uint64_t seed, float lo = -1.0f,
                            float hi = 1.0f) {
  Tensor t = Tensor::empty(shape);
  Rng rng(seed);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = rng.uniform(lo, hi);
  return t;
}

inline Vec to_double(const Tensor& t) {
  const float* p = t.data<float>();
  return Vec(p, p + t.numel());
}

inline Vec abs_of(Vec v) {
  for (double& x : v) x = std::fabs(x);
  return v;
}

inline double dot(const Vec& a, const Vec& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

inline double max_abs(const Vec& v) {
  double m = 0.0;
  for (double x : v) m = std::fmax(m, std::fabs(x));
  return m;
}

// Central differences of f() with respect to each entry of v, which f reads.
inline Vec numeric_gradient(Vec& v, const std::function<double()>& f, double h) {
  Vec g(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double v0 = v[i];
    v[i] = v0 + h;
    const double up = f();
    v[i] = v0 - h;
    const double down = f();
    v[i] = v0;
    g[i] = (up - down) / (2.0 * h);
  }
  return g;
}

// |got[i] - want[i]| <= tol[i] for every i; reports the worst violation.
inline void expect_within(const Tensor& got, const Vec& want, const Vec& tol,
                          std::string_view what) {
  ASSERT_EQ(static_cast<std::size_t>(got.numel()), want.size()) << what;
  const float* g = got.data<float>();
  std::size_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double err = std::fabs(g[i] - want[i]);
    const double ratio = tol[i] > 0.0 ? err / tol[i] : (err > 0.0 ? INFINITY : 0.0);
    if (!(ratio <= 1.0)) ++bad;
    if (!(ratio <= worst_ratio)) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << want.size()
                     << " entries out of tolerance; worst at " << worst << ": got " << g[worst]
                     << ", want " << want[worst] << ", tol " << tol[worst];
}

// A float sum of k products: tol[i] = gamma_k * abs_terms[i], plus slack for the double
// reference's own rounding.
inline void expect_sum_accuracy(const Tensor& got, const Vec& want, const Vec& abs_terms,
                                std::int64_t k, std::string_view what) {
  Vec tol(abs_terms.size());
  const double slack = 1e-12 * (1.0 + max_abs(abs_terms));
  for (std::size_t i = 0; i < tol.size(); ++i) tol[i] = gamma(k) * abs_terms[i] + slack;
  expect_within(got, want, tol, what);
}

// max_i |got[i] - want[i]| <= rel * max_i |want[i]|.
inline void expect_close(const Tensor& got, const Vec& want, double rel, std::string_view what) {
  expect_within(got, want, Vec(want.size(), rel * max_abs(want)), what);
}

inline Tensor abs_tensor(const Tensor& t) {
  Tensor a = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) a.data<float>()[i] = std::fabs(t.data<float>()[i]);
  return a;
}

// The 16-bit activation tests of the GEMM-like ops (doc/mixed_precision.md): on the CPU an op
// with bf16 or f16 tensors is the fp32 op on the widened inputs with each 16-bit output rounded
// once, bit for bit (expect_same_bits); and it is close to the fp32 op on the inputs before they
// were rounded to 16 bits, within the bound below.
//
// Bound. Let u_s be the unit roundoff of the storage type (bf16 2^-8, f16 2^-11), u = 2^-24 and
// k the number of terms an output sums. Rounding an input to 16 bits changes it by a relative
// u_s, so a product of two rounded inputs is off by (2 u_s + u_s^2) |a||b|; both fp32 sums (of
// the rounded and of the original terms) are within gamma_k (1 + u_s)^2 |a||b| of their exact
// values, together below 4 k u |a||b|; rounding the output to 16 bits adds u_s times it. With r
// roundings on the path (2 for a product feeding an fp32 output, 3 when the output is 16-bit
// too, 1 for a plain sum):
//     |op_s - op_fp32| <= (r u_s + 4 u_s^2 + 4 k u) |a||b| + eta,
// |a||b| the fp32 op on the inputs' absolute values. eta covers f16's subnormals (below 2^-14
// rounding is absolute, at most 2^-25): inputs in [-1, 1) give eta = (k + 1) 2^-24 for f16, 0
// for bf16, whose exponent range is fp32's. A wrong conversion (a truncation, a bf16 read as f16,
// a missed widening) is off by far more than this.
//
// `got` (any float type) against the fp32 op's `want`, with `magnitude` the fp32 op on absolute
// values.
inline void expect_storage_bound(const Tensor& got, const Tensor& want, const Tensor& magnitude,
                                 DType s, int roundings, std::int64_t k, const std::string& what) {
  const double us = storage_roundoff(s);
  const double eta = s == DType::f16 ? static_cast<double>(k + 1) * 0x1p-24 : 0.0;
  const double rel = roundings * us + 4.0 * us * us + 4.0 * static_cast<double>(k) * kUnitRoundoff;
  Vec tol = to_double(magnitude);
  for (double& t : tol) t = rel * t + eta;
  expect_within(widen(got), to_double(want), tol, what);
}

}  // namespace swag::test
