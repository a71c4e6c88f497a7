// The GEMM-like ops' mixed-precision parity checks (doc/mixed_precision.md): the CUDA op on 16-bit
// activations (bf16 or f16; cuDNN and cuBLASLt on 16-bit tensor cores, fp32 accumulation) against
// the CPU op on the same 16-bit inputs (the fp32 op on the widened inputs, outputs rounded once).
//
// Tolerance. The inputs are the same 16-bit values on both sides, and a product of two of them is
// exact in fp32, so before any rounding to 16 bits the two backends differ only in the order of
// their fp32 sums: at most 4 n u |a||b| (parity.hpp), u = 2^-24, n the terms summed, |a||b| the
// CPU op on the inputs' absolute values. Rounding each side's value once to T, to nearest, adds
// at most half an ulp of T on each side, one ulp of T at the larger magnitude in all (as
// norm_storage_parity.hpp). So, per element,
//     |gpu - cpu| <= 4 n u |a||b| + ulps * ulp_T(max(|gpu|, |cpu|)) + rel * u_T |a||b|
// with ulps = 1 for a 16-bit output rounded on both sides, 1/2 for a weight gradient the GPU
// rounds to T (cuDNN's filter gradient has the filter's type) and the CPU keeps in fp32, 0 for
// fp32 outputs of fp32 sums (linear's dw, every db); rel = 1 (u_T = 2^-8 for bf16, 2^-11 for
// f16) where the GPU rounds twice: a convolution's output before and after its bias.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "norm_storage_parity.hpp"

namespace swag::test {

template <class T>
constexpr double unit_roundoff_of() {
  return std::is_same_v<T, bf16> ? 0x1p-8 : 0x1p-11;
}

// The values of a host tensor of T or f32, as f32.
template <class T>
Tensor as_f32(const Tensor& t) {
  return t.dtype() == DType::f32 ? t : widen<T>(t);
}

// Expects the device tensor `gpu` (T or f32) within the bound at the top of this file of the
// host tensor `cpu` (same dtype); `magnitude` is the CPU op on absolute values (host f32).
template <class T>
void expect_storage_close(const std::string& what, const Tensor& gpu, const Tensor& cpu,
                          const Tensor& magnitude, std::int64_t terms, double ulps,
                          double rel = 0.0) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  const Tensor g = as_f32<T>(cuda::to_host(gpu)), c = as_f32<T>(cpu);
  ASSERT_EQ(g.shape(), c.shape()) << what;
  const double sums = 4.0 * static_cast<double>(terms) * 0x1p-24 + rel * unit_roundoff_of<T>();
  std::int64_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const double a = g.data<float>()[i], b = c.data<float>()[i];
    const double allowed =
        sums * magnitude.data<float>()[i] + ulps * ulp_of<T>(std::fmax(std::fabs(a), std::fabs(b)));
    const double diff = std::fabs(a - b);
    if (!(diff <= allowed)) ++bad;  // also counts NaN
    const double ratio = diff / (allowed > 0 ? allowed : 1e-300);
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  std::printf("  %s: worst |gpu - cpu| / bound = %.3g\n", what.c_str(), worst_ratio);
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << g.numel()
                    << " elements outside the bound; worst at " << worst << ": gpu "
                    << g.data<float>()[worst] << ", cpu " << c.data<float>()[worst];
}

}  // namespace swag::test
