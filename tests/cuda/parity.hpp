// Helpers for comparing a CUDA op with the CPU op on the same random inputs, within 4 n u |a||b|
// per element (derived in doc/gpu.md, "Tolerances of the GPU tests").
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "host_parity.hpp"
#include "swag/backends/cuda/copy.hpp"
#include "swag/core/tensor.hpp"

namespace swag::test {

inline Tensor abs_of(const Tensor& t) {
  Tensor a = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) a.data<float>()[i] = std::fabs(t.data<float>()[i]);
  return a;
}

// A device tensor full of NaN, to show that an op overwrites its output.
inline Tensor device_garbage(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::nanf("");
  return cuda::to_device(t);
}

// Expects |gpu - cpu| <= 4 n u magnitude elementwise (see the top of this file), where each
// element of `cpu` is a sum of at most `terms` products and `magnitude` is the CPU op on |inputs|.
inline void expect_close(const std::string& what, const Tensor& gpu, const Tensor& cpu,
                         const Tensor& magnitude, std::int64_t terms) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  const Tensor g = cuda::to_host(gpu);
  ASSERT_EQ(g.shape(), cpu.shape()) << what;
  const double bound = 4.0 * static_cast<double>(terms) * std::ldexp(1.0, -24);
  std::int64_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const double diff = std::fabs(double{g.data<float>()[i]} - cpu.data<float>()[i]);
    const double allowed = bound * magnitude.data<float>()[i];
    const double ratio = diff / (allowed > 0 ? allowed : 1e-300);
    if (!(diff <= allowed)) ++bad;  // also counts NaN
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << g.numel()
                    << " elements outside 4*n*u*|a||b| (n = " << terms << "); worst at " << worst
                    << ": gpu " << g.data<float>()[worst] << ", cpu " << cpu.data<float>()[worst]
                    << ", allowed " << bound * magnitude.data<float>()[worst];
}

// Expects |gpu - cpu| <= allowed elementwise (a per-element bound the test computes); prints the
// worst ratio, to show how tight the bound is.
inline void expect_within(const std::string& what, const Tensor& gpu, const Tensor& cpu,
                          const Tensor& allowed) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  const Tensor g = cuda::to_host(gpu);
  ASSERT_EQ(g.shape(), cpu.shape()) << what;
  std::int64_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const double diff = std::fabs(double{g.data<float>()[i]} - cpu.data<float>()[i]);
    const double limit = allowed.data<float>()[i];
    if (!(diff <= limit)) ++bad;  // also counts NaN
    const double ratio = diff / (limit > 0 ? limit : 1e-300);
    if (!(ratio <= worst_ratio)) worst_ratio = ratio, worst = i;
  }
  std::printf("  %s: worst |gpu - cpu| / bound = %.3g\n", what.c_str(), worst_ratio);
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << g.numel()
                    << " elements outside the bound; worst at " << worst << ": gpu "
                    << g.data<float>()[worst] << ", cpu " << cpu.data<float>()[worst]
                    << ", allowed " << allowed.data<float>()[worst];
}

// Expects |gpu - cpu| <= rtol * max(|cpu|, scale) elementwise: relative to the value, but never
// tighter than rtol times a scale below which the value is treated as 0 (llm.c's checks add an
// absolute tolerance for the same reason). The scale is 1 for values of order 1, or, per
// element, the size of the terms a reduction sums (`scale` tensor, on the host). rtol = 0
// demands bitwise equality, for kernels whose every output is one IEEE operation or a select.
inline void expect_near(const std::string& what, const Tensor& gpu, const Tensor& cpu, double rtol,
                        const Tensor* scale = nullptr) {
  ASSERT_EQ(gpu.device(), Device::cuda) << what;
  expect_values_near<float>(what, cuda::to_host(gpu), cpu, rtol, scale);
}

// Bitwise equality of two device tensors (determinism checks).
inline void expect_bitwise_equal(const std::string& what, const Tensor& a, const Tensor& b) {
  const Tensor ha = cuda::to_host(a), hb = cuda::to_host(b);
  ASSERT_EQ(ha.nbytes(), hb.nbytes()) << what;
  EXPECT_EQ(std::memcmp(ha.raw(), hb.raw(), ha.nbytes()), 0) << what << " differs between runs";
}

}  // namespace swag::test
