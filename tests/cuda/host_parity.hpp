// The host side of the parity checks, shared by the GPU tests (parity.hpp, storage_parity.hpp:
// device tensors, copied back) and the emulated kernels' tests (tests/kernel_emulation: the
// kernels run on host buffers): random inputs, the per-column scale of a reduction, and the
// hand-written kernels' tolerance against the CPU backend. No CUDA here.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../ops/storage_test_util.hpp"
#include "swag/core/float16.hpp"
#include "swag/core/rng.hpp"
#include "swag/core/tensor.hpp"

namespace swag::test {

// A host tensor of uniform values in [-1, 1); `seed` picks the stream.
inline Tensor random_tensor(const Shape& shape, std::uint64_t seed) {
  Tensor t = Tensor::empty(shape);
  Rng rng(20240601, seed);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = rng.uniform(-1.0f, 1.0f);
  return t;
}

// a * t + b elementwise, on the host.
inline Tensor affine(const Tensor& t, float a, float b) {
  Tensor r = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) r.data<float>()[i] = a * t.data<float>()[i] + b;
  return r;
}

// Per column j < n, the root sum of squares over the rows of term(r, j) (a double): the size of a
// sum of terms of random sign, the scale of the tolerance for column sums.
template <class Term>
Tensor column_norms(std::int64_t rows, std::int64_t n, const Term& term) {
  Tensor out = Tensor::zeros({n});
  for (std::int64_t j = 0; j < n; ++j) {
    double s = 0.0;
    for (std::int64_t r = 0; r < rows; ++r) s += term(r, j) * term(r, j);
    out.data<float>()[j] = static_cast<float>(std::sqrt(s));
  }
  return out;
}

// The same for the columns of a row-major [rows, n] host f32 tensor.
inline Tensor column_norms(const Tensor& t, std::int64_t rows, std::int64_t n) {
  const float* p = t.data<float>();
  return column_norms(rows, n,
                      [p, n](std::int64_t r, std::int64_t j) { return double{p[r * n + j]}; });
}

// The fp32 tolerance of the hand-written kernels' tests, as llm.c's fp32 kernel checks: 1e-5.
constexpr double kFp32Tolerance = 1e-5;

// The spacing of T's values at |v|: 8 significant bits for bf16, 11 for f16 (whose subnormals
// are spaced 2^-24); 0 for float, whose outputs are not rounded again.
template <class T>
double ulp_of(double v) {
  if constexpr (std::is_same_v<T, float>) {
    return 0.0 * v;
  } else {
    constexpr bool is_bf16 = std::is_same_v<T, bf16>;
    int e = 0;
    std::frexp(v, &e);  // |v| = m 2^e, m in [0.5, 1); 0 gives e = 0
    const int min_exponent = is_bf16 ? -126 : -14;
    const int exponent = e - 1 < min_exponent ? min_exponent : e - 1;
    return std::ldexp(1.0, exponent - (is_bf16 ? 7 : 10));
  }
}

// Expects a kernel's output `got` (host, dtype T) within rtol * max(|want|, floor) of the CPU
// backend's `want`, plus one ulp of T for 16-bit types, where each side rounds its float once
// (storage_parity.hpp derives it); floor is 1, or per element `scale` (host f32). rtol = 0
// demands the same bits, for kernels whose every output is one IEEE operation or a select.
template <class T>
void expect_values_near(const std::string& what, const Tensor& got, const Tensor& want, double rtol,
                        const Tensor* scale = nullptr) {
  ASSERT_EQ(got.dtype(), dtype_of<T>()) << what;
  ASSERT_EQ(want.dtype(), dtype_of<T>()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  if (rtol == 0.0) {
    expect_same_bits(got, want, what);
    return;
  }
  const Tensor g = widen(got), c = widen(want);
  std::int64_t bad = 0, worst = -1;
  double worst_excess = 0.0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const double a = g.data<float>()[i], b = c.data<float>()[i];
    const double floor = scale ? double{scale->data<float>()[i]} : 1.0;
    const double allowed =
        rtol * std::fmax(std::fabs(b), floor) + ulp_of<T>(std::fmax(std::fabs(a), std::fabs(b)));
    const double diff = std::fabs(a - b);
    if (diff <= allowed) continue;  // NaN fails
    ++bad;
    const double excess = std::isnan(diff) ? HUGE_VAL : diff - allowed;
    if (worst < 0 || excess > worst_excess) worst_excess = excess, worst = i;
  }
  if (bad == 0) return;
  ADD_FAILURE() << what << ": " << bad << " of " << g.numel() << " elements differ by more than "
                << rtol << " relative (plus one ulp of a 16-bit type); worst at " << worst
                << ": got " << g.data<float>()[worst] << ", cpu " << c.data<float>()[worst];
}

}  // namespace swag::test
