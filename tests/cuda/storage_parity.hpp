// The mixed-precision parity checks (doc/mixed_precision.md): the CUDA op on 16-bit activations
// (bf16 or f16) against the CPU op on the same 16-bit inputs. Rounding to 16 bits, widening back
// and the storage types' unit roundoff are ../ops/storage_test_util.hpp's, shared with the CPU
// tests.
//
// Tolerance of a 16-bit output of the hand-written kernels (norms, element-wise ops;
// expect_near_as). Both backends compute the output's float value v from the same loaded inputs
// with the f32 path's formulas, so the two float values differ as in the fp32 parity test:
// |v_gpu - v_cpu| <= rtol * max(|v_cpu|, floor) (parity.hpp's expect_near). Each is then rounded
// once to T, to nearest, an error of at most half an ulp of T at its magnitude. So
//   |T(v_gpu) - T(v_cpu)| <= rtol * max(|v_cpu|, floor) + ulp_T(max(|v_gpu|, |v_cpu|)),
// taking the larger value's ulp for both halves (at a binade boundary the smaller value's ulp is
// the smaller one). In practice: equal, or one ulp of T apart where v_gpu and v_cpu straddle a
// rounding boundary; the fp32 difference itself (1e-5) is far below an ulp of bf16 (2^-8
// relative) or f16 (2^-11). The fp32 outputs (statistics, dgamma, dbeta) keep the fp32 test's
// tolerances: the inputs are the same 16-bit values on both sides.
//
// Tolerance of the GEMM-like ops (cuDNN and cuBLASLt on 16-bit tensor cores, fp32 accumulation;
// expect_storage_close), against the CPU op on the same 16-bit inputs (the fp32 op on the widened
// inputs, outputs rounded once). The inputs are the same 16-bit values on both sides, and a
// product of two of them is exact in fp32, so before any rounding to 16 bits the two backends
// differ only in the order of their fp32 sums: at most 4 n u |a||b| (parity.hpp), u = 2^-24, n
// the terms summed, |a||b| the CPU op on the inputs' absolute values. Rounding each side's value
// once to T, to nearest, adds at most half an ulp of T on each side, one ulp of T at the larger
// magnitude in all (as above). So, per element,
//     |gpu - cpu| <= 4 n u |a||b| + ulps * ulp_T(max(|gpu|, |cpu|)) + rel * u_T |a||b|
// with ulps = 1 for a 16-bit output rounded on both sides, 1/2 for a weight gradient the GPU
// rounds to T (cuDNN's filter gradient has the filter's type) and the CPU keeps in fp32, 0 for
// fp32 outputs of fp32 sums (linear's dw, every db); rel = 1 (u_T = 2^-8 for bf16, 2^-11 for
// f16) where the GPU rounds twice: a convolution's output before and after its bias.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>

#include "../ops/storage_test_util.hpp"
#include "parity.hpp"
#include "swag/core/float16.hpp"

namespace swag::test {

// A device T tensor full of NaN, to show that an op overwrites its output.
template <class T>
Tensor device_garbage_as(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::nanf("");
  return cuda::to_device(round_to(t, dtype_of<T>()));
}

// Expects the device T tensor `gpu` within the hand-written kernels' bound at the top of this
// file of the host T tensor `cpu`; scale as in expect_near.
template <class T>
void expect_near_as(const std::string& what, const Tensor& gpu, const Tensor& cpu, double rtol,
                    const Tensor* scale = nullptr) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  expect_values_near<T>(what, cuda::to_host(gpu), cpu, rtol, scale);
}

// Expects the device tensor `gpu` (T or f32) within the GEMM-like ops' bound at the top of this
// file of the host tensor `cpu` (same dtype); `magnitude` is the CPU op on absolute values (host
// f32).
template <class T>
void expect_storage_close(const std::string& what, const Tensor& gpu, const Tensor& cpu,
                          const Tensor& magnitude, std::int64_t terms, double ulps,
                          double rel = 0.0) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  const Tensor g = widen(cuda::to_host(gpu)), c = widen(cpu);
  ASSERT_EQ(g.shape(), c.shape()) << what;
  const double sums =
      4.0 * static_cast<double>(terms) * 0x1p-24 + rel * storage_roundoff(dtype_of<T>());
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
