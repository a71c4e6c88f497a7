// Optimizer kernels against the CPU backend on the same random inputs, over several steps:
// SGD (Nesterov or not, with and without weight decay, the first step's buffer), AdamW (with
// and without weight decay), the sum of squares of the gradient norm, and the weight-EMA
// helpers. The element-wise updates are the same IEEE operations in the same order on both
// backends (the kernels are built with --fmad=false), so they must agree bit for bit (rtol 0);
// the sum of squares is a double sum in another order, so it is compared relatively.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "parity.hpp"
#include "swag/ops/optimizer_update.hpp"

using namespace swag;
using swag::test::expect_near;
using swag::test::random_tensor;

namespace {

// One element; a prime below a warp; more than one CPU sum block (65536) and not a multiple of
// the 256-thread block; five million (the kernels' grid-stride loops, and 1221 of the sum of
// squares' 4096-element blocks, past its cap of 1024 partial sums).
const std::int64_t kSizes[] = {1, 31, 3 * 65536 + 77, 5'000'011};

Tensor copy(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) c.data<float>()[i] = t.data<float>()[i];
  return c;
}

std::string label(const char* what, std::int64_t n, int step) {
  return std::string(what) + " n=" + std::to_string(n) + " step " + std::to_string(step);
}

struct SgdCase {
  bool nesterov;
  float weight_decay;
};

class SgdParity : public ::testing::TestWithParam<SgdCase> {};

TEST_P(SgdParity, StepsMatchTheCpuBackendBitwise) {
  const SgdCase& c = GetParam();
  for (const std::int64_t n : kSizes) {
    Tensor p = random_tensor({n}, 40), buf = random_tensor({n}, 41);  // buf: overwritten at first
    Tensor dp = cuda::to_device(p), dbuf = cuda::to_device(buf);
    for (int step = 0; step < 3; ++step) {
      const Tensor g = random_tensor({n}, 42 + static_cast<std::uint64_t>(step));
      const Tensor dg = cuda::to_device(g);
      const ops::SgdUpdate u{0.05f * static_cast<float>(step + 1), 0.9f, c.weight_decay, c.nesterov,
                             step == 0};
      ops::sgd_update(u, p, g, buf);
      ops::sgd_update(u, dp, dg, dbuf);
      expect_near(label("sgd param", n, step), dp, p, 0.0);
      expect_near(label("sgd momentum", n, step), dbuf, buf, 0.0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SgdParity,
                         ::testing::Values(SgdCase{true, 0.0f}, SgdCase{true, 1e-4f},
                                           SgdCase{false, 5e-4f}));

class AdamWParity : public ::testing::TestWithParam<float> {};

TEST_P(AdamWParity, StepsMatchTheCpuBackendBitwise) {
  const float weight_decay = GetParam();
  for (const std::int64_t n : kSizes) {
    Tensor p = random_tensor({n}, 50), m = Tensor::zeros({n}), v = Tensor::zeros({n});
    Tensor dp = cuda::to_device(p), dm = cuda::to_device(m), dv = cuda::to_device(v);
    for (int step = 1; step <= 4; ++step) {
      const Tensor g = random_tensor({n}, 50 + static_cast<std::uint64_t>(step));
      const Tensor dg = cuda::to_device(g);
      const ops::AdamWUpdate u{
          1e-3f * static_cast<float>(step), 0.9f, 0.999f, 1e-8f, weight_decay, step};
      ops::adamw_update(u, p, g, m, v);
      ops::adamw_update(u, dp, dg, dm, dv);
      expect_near(label("adamw param", n, step), dp, p, 0.0);
      expect_near(label("adamw exp_avg", n, step), dm, m, 0.0);
      expect_near(label("adamw exp_avg_sq", n, step), dv, v, 0.0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(WeightDecay, AdamWParity, ::testing::Values(0.0f, 0.05f));

TEST(SumOfSquares, MatchesTheCpuBackendAndIsDeterministic) {
  for (const std::int64_t n : kSizes) {
    const Tensor x = random_tensor({n}, 60);
    const Tensor dx = cuda::to_device(x);
    const double cpu = ops::sum_of_squares(x), gpu = ops::sum_of_squares(dx);
    // Positive terms summed in double, in two orders: each is within (n - 1) 2^-53 of the exact
    // sum, relative (Higham, eq. 3.5), while one term lost or doubled moves it by ~1/n.
    EXPECT_NEAR(gpu, cpu, 2.0 * static_cast<double>(n) * 0x1p-53 * cpu) << "n=" << n;
    const double again = ops::sum_of_squares(dx);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(gpu), std::bit_cast<std::uint64_t>(again))
        << "n=" << n << " differs between runs";
  }
  EXPECT_EQ(ops::sum_of_squares(cuda::to_device(Tensor::zeros({0}))), 0.0);
}

TEST(SumOfSquares, PropagatesNanAndInf) {
  Tensor x = random_tensor({100'003}, 61);
  x.data<float>()[77'777] = std::nanf("");
  EXPECT_TRUE(std::isnan(ops::sum_of_squares(cuda::to_device(x))));
  x.data<float>()[77'777] = INFINITY;
  EXPECT_TRUE(std::isinf(ops::sum_of_squares(cuda::to_device(x))));
}

TEST(WeightAverageOps, EmaAndSwapMatchTheCpuBackendBitwise) {
  for (const std::int64_t n : kSizes) {
    Tensor average = random_tensor({n}, 70);
    Tensor daverage = cuda::to_device(average);
    for (int step = 0; step < 3; ++step) {
      const Tensor current = random_tensor({n}, 71 + static_cast<std::uint64_t>(step));
      const Tensor dcurrent = cuda::to_device(current);
      ops::ema_update(average, current, 1e-4 * (step + 1));
      ops::ema_update(daverage, dcurrent, 1e-4 * (step + 1));
      expect_near(label("ema", n, step), daverage, average, 0.0);
    }
    Tensor other = random_tensor({n}, 80);
    Tensor dother = cuda::to_device(other);
    const Tensor average_before = copy(average), other_before = copy(other);
    ops::swap_values(daverage, dother);
    expect_near(label("swapped average", n, 0), daverage, other_before, 0.0);
    expect_near(label("swapped other", n, 0), dother, average_before, 0.0);
  }
}

}  // namespace
