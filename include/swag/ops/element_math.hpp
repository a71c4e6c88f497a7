// Element-wise formulas shared by the CPU kernels and, compiled by nvcc, the CUDA kernels: each
// is written once, so both backends round the same way.
#pragma once
#include <cstdint>
#include <cstring>

#include "swag/core/host_device.hpp"

namespace swag::ops::math {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

// The functions below use no calls and no branches (selects only), so that loops over them
// vectorize; libm's expf and erff do neither.

// e^x for x <= 0, within 2 ulp: Cephes' expf (x = n ln2 + r with ln2 in two parts, a degree-5
// polynomial for e^r, 2^n from its exponent bits). n is x / ln2 rounded to nearest by adding
// and subtracting 1.5 * 2^23 (floorf would keep GCC from vectorizing). Below -87.33 the result
// stays at exp(-87.33) = 1.18e-38, the smallest normal float, instead of going denormal or 0.
SWAG_HOST_DEVICE inline float exp_nonpositive(float x) {
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  x = x < -87.33654f ? -87.33654f : (x > 0.0f ? 0.0f : x);
  const float n = (x * 1.44269504088896341f + kRound) - kRound;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return (p * r * r + r + 1.0f) * scale;
}

// erf(x) within 3 ulp. |x| < 0.921875: x P(x^2); above: 1 - exp(Q(|x|)) with the sign of x,
// Q approximating log(erfc) on [0.921875, 4] (erf rounds to +-1 beyond 3.92). P and Q are
// least-squares fits on Chebyshev nodes (degree 6 and 9), Q in |x| - 2.5 for conditioning.
SWAG_HOST_DEVICE inline float erf_poly(float x) {
  const float a = x < 0.0f ? -x : x;
  const float s = x * x;
  float p = 8.438768418272957e-05f;
  p = p * s - 8.160783909261227e-04f;
  p = p * s + 5.202835891395807e-03f;
  p = p * s - 2.686024084687233e-02f;
  p = p * s + 1.128371357917786e-01f;
  p = p * s - 3.761263489723206e-01f;
  p = p * s + 1.128379225730896e+00f;
  const float t = (a > 4.0f ? 4.0f : a) - 2.5f;
  float q = -3.990487584815128e-08f;
  q = q * t + 1.599072902536136e-06f;
  q = q * t - 1.309866183873965e-05f;
  q = q * t + 7.745677430648357e-05f;
  q = q * t - 4.205167351756245e-04f;
  q = q * t + 2.165080746635795e-03f;
  q = q * t - 1.085827313363552e-02f;
  q = q * t - 9.438936114311218e-01f;
  q = q * t - 5.352680683135986e+00f;
  q = q * t - 7.806815147399902e+00f;
  const float tail = 1.0f - exp_nonpositive(q);
  return a < 0.921875f ? x * p : (x < 0.0f ? -tail : tail);
}

// GELU with the Gaussian CDF, 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's nn.GELU(), not its tanh
// approximation).
SWAG_HOST_DEVICE inline float gelu(float x) {
  return 0.5f * x * (1.0f + erf_poly(x * kInvSqrt2));
}

// d gelu / dx = Phi(x) + x phi(x).
SWAG_HOST_DEVICE inline float gelu_grad(float x) {
  const float cdf = 0.5f * (1.0f + erf_poly(x * kInvSqrt2));
  return cdf + x * kInvSqrt2Pi * exp_nonpositive(-0.5f * x * x);
}

// d tanh / dx from the output y = tanh(x).
SWAG_HOST_DEVICE inline float tanh_grad_from_output(float y) {
  return 1.0f - y * y;
}

// LayerNorm's output from its row statistics and the affine parameters.
SWAG_HOST_DEVICE inline float layer_norm(float x, float mean, float rstd, float gamma, float beta) {
  return (x - mean) * rstd * gamma + beta;
}

}  // namespace swag::ops::math
