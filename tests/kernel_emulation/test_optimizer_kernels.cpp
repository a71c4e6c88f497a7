// The optimizer kernels (optimizer_update.cu), emulated, against the CPU backend's ops on the same
// inputs (tests/cuda/test_optimizer.cpp's checks): SGD (Nesterov or not, with and without weight
// decay, the first step's buffer), AdamW (with and without weight decay), over several steps;
// the sum of squares, a double sum in another order, relatively, and run to run bit for bit; the
// weight EMA and the swap. Every buffer lies between NaN guard zones.
//
// The element-wise updates are the same IEEE float operations in the same order as the CPU's
// formulas, and both sides are compiled with the same mul+add contraction (none on a GPU,
// --fmad=false; the CPU backend's here, CMakeLists.txt), so they must equal the CPU backend's
// bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "kernel_parity.hpp"
#include "optimizer_update_kernels.hpp"
#include "swag/ops/optimizer_update.hpp"

using namespace swag;
namespace k = swag::cuda::kernels;

namespace {

// One element; a prime below a warp; more than one 256-thread block and not a multiple of it.
// (The grid-stride loops past 2^16 blocks would take 16M emulated threads: the GPU test's.)
const std::int64_t kSizes[] = {1, 31, 2 * 256 + 77};

std::string label(const char* what, std::int64_t n, int step) {
  return std::string(what) + " n=" + std::to_string(n) + " step " + std::to_string(step);
}

struct SgdCase {
  bool nesterov;
  float weight_decay;
};

class SgdKernel : public ::testing::TestWithParam<SgdCase> {};

TEST_P(SgdKernel, StepsMatchTheCpuBackend) {
  const SgdCase& c = GetParam();
  for (const std::int64_t n : kSizes) {
    Tensor p = test::random_as<float>({n}, 40), buf = test::random_as<float>({n}, 41);
    test::Guarded<float> kp(p);
    // NaN until the first step writes it: that step must not read the buffer.
    test::Guarded<float> kbuf(n);
    for (int step = 0; step < 3; ++step) {
      const Tensor g = test::random_as<float>({n}, 42 + static_cast<std::uint64_t>(step));
      const test::Guarded<float> kg(g);
      const ops::SgdUpdate u{0.05f * static_cast<float>(step + 1), 0.9f, c.weight_decay, c.nesterov,
                             step == 0};
      ops::sgd_update(u, p, g, buf);
      k::sgd_update({u.lr, u.momentum, u.weight_decay, u.nesterov, u.first_step}, kp.get(),
                    kg.get(), kbuf.get(), n);
      test::expect_output(label("sgd param", n, step), kp, p, 0.0);
      test::expect_output(label("sgd momentum", n, step), kbuf, buf, 0.0);
    }
  }
}

// Prefixed so that the gtest filter EmulatedOptimizer* selects them.
INSTANTIATE_TEST_SUITE_P(EmulatedOptimizer, SgdKernel,
                         ::testing::Values(SgdCase{true, 0.0f}, SgdCase{true, 1e-4f},
                                           SgdCase{false, 5e-4f}));

class AdamWKernel : public ::testing::TestWithParam<float> {};

TEST_P(AdamWKernel, StepsMatchTheCpuBackend) {
  const float weight_decay = GetParam();
  for (const std::int64_t n : kSizes) {
    Tensor p = test::random_as<float>({n}, 50), m = Tensor::zeros({n}), v = Tensor::zeros({n});
    test::Guarded<float> kp(p), km(m), kv(v);
    for (int step = 1; step <= 4; ++step) {
      const Tensor g = test::random_as<float>({n}, 50 + static_cast<std::uint64_t>(step));
      const test::Guarded<float> kg(g);
      const ops::AdamWUpdate u{
          1e-3f * static_cast<float>(step), 0.9f, 0.999f, 1e-8f, weight_decay, step};
      // The bias corrections as the entry point (optimizer_update.cu) and the CPU compute them.
      const auto t = static_cast<double>(step);
      const auto correction1 = static_cast<float>(1.0 - std::pow(double{u.beta1}, t));
      const auto root_correction2 =
          static_cast<float>(std::sqrt(1.0 - std::pow(double{u.beta2}, t)));
      ops::adamw_update(u, p, g, m, v);
      k::adamw_update(
          {u.lr, u.beta1, u.beta2, u.eps, u.weight_decay, correction1, root_correction2}, kp.get(),
          kg.get(), km.get(), kv.get(), n);
      test::expect_output(label("adamw param", n, step), kp, p, 0.0);
      test::expect_output(label("adamw exp_avg", n, step), km, m, 0.0);
      test::expect_output(label("adamw exp_avg_sq", n, step), kv, v, 0.0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EmulatedOptimizer, AdamWKernel, ::testing::Values(0.0f, 0.05f));

TEST(EmulatedOptimizerSumOfSquares, MatchesTheCpuBackendAndIsDeterministic) {
  // Also one block's chunk of 4096 elements and a few blocks with uneven chunks (n * b / B).
  for (const std::int64_t n :
       {std::int64_t{1}, std::int64_t{31}, std::int64_t{4096}, std::int64_t{3 * 4096 + 77}}) {
    const Tensor x = test::random_as<float>({n}, 60);
    const test::Guarded<float> kx(x);
    const double cpu = ops::sum_of_squares(x), emulated = k::sum_of_squares(kx.get(), n);
    // Positive terms summed in double, in two orders: each is within (n - 1) 2^-53 of the exact
    // sum, relative (Higham, eq. 3.5), while one term lost or doubled moves it by ~1/n.
    EXPECT_NEAR(emulated, cpu, 2.0 * static_cast<double>(n) * 0x1p-53 * cpu) << "n=" << n;
    const double again = k::sum_of_squares(kx.get(), n);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(emulated), std::bit_cast<std::uint64_t>(again))
        << "n=" << n << " differs between runs";
  }
  const test::Guarded<float> empty(0);
  EXPECT_EQ(k::sum_of_squares(empty.get(), 0), 0.0);
}

// Past the cap of 1024 partial sums (1025 chunks of 4096 wanted): longer, uneven chunks.
TEST(EmulatedOptimizerSumOfSquares, MatchesTheCpuBackendPastTheBlockCap) {
  const std::int64_t n = 1025 * 4096 + 77;
  const Tensor x = test::random_as<float>({n}, 62);
  const test::Guarded<float> kx(x);
  const double cpu = ops::sum_of_squares(x), emulated = k::sum_of_squares(kx.get(), n);
  EXPECT_NEAR(emulated, cpu, 2.0 * static_cast<double>(n) * 0x1p-53 * cpu);
}

TEST(EmulatedOptimizerSumOfSquares, PropagatesNanAndInf) {
  Tensor x = test::random_as<float>({10'003}, 61);
  x.data<float>()[7'777] = std::nanf("");
  EXPECT_TRUE(std::isnan(k::sum_of_squares(test::Guarded<float>(x).get(), x.numel())));
  x.data<float>()[7'777] = INFINITY;
  EXPECT_TRUE(std::isinf(k::sum_of_squares(test::Guarded<float>(x).get(), x.numel())));
}

TEST(EmulatedOptimizerWeightAverage, EmaAndSwapMatchTheCpuBackend) {
  for (const std::int64_t n : kSizes) {
    Tensor average = test::random_as<float>({n}, 70);
    test::Guarded<float> kaverage(average);
    for (int step = 0; step < 3; ++step) {
      const Tensor current = test::random_as<float>({n}, 71 + static_cast<std::uint64_t>(step));
      const test::Guarded<float> kcurrent(current);
      const double weight = 1e-4 * (step + 1);
      // keep and take as ops::ema_update rounds them for either backend.
      const auto keep = static_cast<float>(1.0 - weight), take = static_cast<float>(weight);
      ops::ema_update(average, current, weight);
      k::ema_update(kaverage.get(), kcurrent.get(), keep, take, n);
      test::expect_output(label("ema", n, step), kaverage, average, 0.0);
    }
    // The swap moves bits: against the CPU's swap of the same values, bitwise.
    const Tensor other = test::random_as<float>({n}, 80);
    const Tensor before = kaverage.tensor({n});
    Tensor cpu_a = test::copy_of(before), cpu_b = test::copy_of(other);
    ops::swap_values(cpu_a, cpu_b);
    test::Guarded<float> kother(other);
    k::swap_values(kaverage.get(), kother.get(), n);
    test::expect_output(label("swapped average", n, 0), kaverage, cpu_a, 0.0);
    test::expect_output(label("swapped other", n, 0), kother, cpu_b, 0.0);
  }
}

}  // namespace
