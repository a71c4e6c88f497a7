// The norms' mixed-precision parity checks (doc/mixed_precision.md): the CUDA op on 16-bit
// activations (bf16 or f16) against the CPU op on the same 16-bit inputs.
//
// Tolerance of a 16-bit output. Both backends compute the output's float value v from the same
// loaded inputs with the f32 path's formulas, so the two float values differ as in the fp32
// parity test: |v_gpu - v_cpu| <= rtol * max(|v_cpu|, floor) (parity.hpp's expect_near). Each is
// then rounded once to T, to nearest, an error of at most half an ulp of T at its magnitude. So
//   |T(v_gpu) - T(v_cpu)| <= rtol * max(|v_cpu|, floor) + ulp_T(max(|v_gpu|, |v_cpu|)),
// taking the larger value's ulp for both halves (at a binade boundary the smaller value's ulp is
// the smaller one). In practice: equal, or one ulp of T apart where v_gpu and v_cpu straddle a
// rounding boundary; the fp32 difference itself (1e-5) is far below an ulp of bf16 (2^-8
// relative) or f16 (2^-11). The fp32 outputs (statistics, dgamma, dbeta) keep the fp32 test's
// tolerances: the inputs are the same 16-bit values on both sides.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "parity.hpp"
#include "swag/core/float16.hpp"

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

// A device T tensor full of NaN, to show that an op overwrites its output.
template <class T>
Tensor device_garbage_as(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::nanf("");
  return cuda::to_device(round_to<T>(t));
}

// The spacing of T's values at |v|: 8 significant bits for bf16, 11 for f16 (whose subnormals
// are spaced 2^-24).
template <class T>
double ulp_of(double v) {
  constexpr bool is_bf16 = std::is_same_v<T, bf16>;
  int e = 0;
  std::frexp(v, &e);  // |v| = m 2^e, m in [0.5, 1); 0 gives e = 0
  const int min_exponent = is_bf16 ? -126 : -14;
  const int exponent = e - 1 < min_exponent ? min_exponent : e - 1;
  return std::ldexp(1.0, exponent - (is_bf16 ? 7 : 10));
}

// Expects the device T tensor `gpu` within the bound at the top of this file of the host T
// tensor `cpu`; scale as in expect_near.
template <class T>
void expect_near_as(const std::string& what, const Tensor& gpu, const Tensor& cpu, double rtol,
                    const Tensor* scale = nullptr) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  ASSERT_EQ(gpu.dtype(), dtype_of<T>()) << what;
  ASSERT_EQ(cpu.dtype(), dtype_of<T>()) << what;
  const Tensor g = widen<T>(cuda::to_host(gpu)), c = widen<T>(cpu);
  ASSERT_EQ(g.shape(), c.shape()) << what;
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
                << rtol << " relative plus one ulp of " << dtype_name(dtype_of<T>())
                << "; worst at " << worst << ": gpu " << g.data<float>()[worst] << ", cpu "
                << c.data<float>()[worst];
}

}  // namespace swag::test
