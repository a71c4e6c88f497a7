// The mixed-precision parity checks: a CUDA op on 16-bit activations against the CPU op on the
// same 16-bit inputs (expect_near_as, expect_storage_close). Their tolerances are derived in
// doc/gpu.md, "Tolerances of the GPU tests".
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
