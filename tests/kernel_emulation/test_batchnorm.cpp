// The batch-norm kernels (batchnorm.cu), emulated, against the CPU backend on the same inputs,
// for each storage type: the training forward (output, saved batch statistics, running-statistics
// update; one call and the two stages, which must agree bit for bit), the replay from the saved
// statistics, the eval forward, the backward (dx, dgamma, dbeta; one call and the two stages, in
// place), and sync BN's cross-rank sum between the stages. Tolerances are tests/cuda/
// test_batchnorm.cpp's: 1e-5 relative (floor 1; dgamma and dbeta: the norm of dy's column), plus
// one ulp of a 16-bit output (kernel_parity.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "batchnorm_kernels.hpp"
#include "kernel_parity.hpp"
#include "swag/ops/batchnorm.hpp"

using namespace swag;
namespace k = swag::cuda::kernels;

namespace {

struct BatchNormCase {
  const char* name;
  std::int64_t rows, channels;
  bool relu;
};

// Two rows (the least training allows); 45 channels (a full 32-channel tile and one of 13) over
// 613 rows (not a multiple of the 8 thread rows); three slabs of 1026 or 1027 rows (3079 rows,
// cut at 1026 and 2052) across two tiles of 33 channels. Small, as the emulator switches threads
// at about a microsecond each.
const BatchNormCase kCases[] = {
    {"two_rows", 2, 3, false},
    {"odd_channels_relu", 613, 45, true},
    {"slabs", 3 * 1024 + 7, 33, false},
};

const double kTol = test::kFp32Tolerance;

// The GPU test's parameters and running statistics (f32), save_mean and save_invstd unset.
ops::BatchNormState initial_state(std::int64_t c) {
  ops::BatchNormState s;
  s.gamma = test::affine(test::random_as<float>({c}, 30), 1.0f, 0.2f);
  s.beta = test::affine(test::random_as<float>({c}, 31), 0.5f, 0.0f);
  s.running_mean = test::random_as<float>({c}, 32);
  s.running_var = test::affine(test::random_as<float>({c}, 33), 0.4f, 1.0f);
  s.save_mean = Tensor::empty({c});
  s.save_invstd = Tensor::empty({c});
  return s;
}

// x with a mean away from 0 (E[x^2] - mean^2 must not cancel badly) and a spread that differs
// per channel, rounded to T.
template <class T>
Tensor input(const Shape& shape, std::int64_t c) {
  Tensor x = test::random_as<float>(shape, 34);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] =
        x.data<float>()[i] * (1.0f + static_cast<float>(i % c) / static_cast<float>(c)) + 0.7f;
  return test::round_to(x, dtype_of<T>());
}

// The kernel side of a BatchNormState, each buffer between guard zones; save_mean and
// save_invstd start as NaN unless `with_saved`.
struct KernelState {
  test::Guarded<float> gamma, beta, running_mean, running_var, save_mean, save_invstd;
  std::int64_t c;

  KernelState(const ops::BatchNormState& s, bool with_saved)
      : gamma(s.gamma),
        beta(s.beta),
        running_mean(s.running_mean),
        running_var(s.running_var),
        save_mean(with_saved ? test::Guarded<float>(s.save_mean)
                             : test::Guarded<float>(s.gamma.numel())),
        save_invstd(with_saved ? test::Guarded<float>(s.save_invstd)
                               : test::Guarded<float>(s.gamma.numel())),
        c(s.gamma.numel()) {}

  // The CUDA entry points' arguments (batchnorm.cu): the saved statistics only where used.
  k::BatchNormArgs args(const ops::BatchNormDesc& d, bool saved) {
    return {d.rows,
            d.channels,
            d.eps,
            d.momentum,
            d.relu,
            gamma.get(),
            beta.get(),
            running_mean.get(),
            running_var.get(),
            saved ? save_mean.get() : nullptr,
            saved ? save_invstd.get() : nullptr};
  }
  bool intact() const {
    return gamma.intact() && beta.intact() && running_mean.intact() && running_var.intact() &&
           save_mean.intact() && save_invstd.intact();
  }
  Tensor mean() const { return save_mean.tensor({c}); }
  Tensor invstd() const { return save_invstd.tensor({c}); }
  Tensor run_mean() const { return running_mean.tensor({c}); }
  Tensor run_var() const { return running_var.tensor({c}); }
};

ops::BatchNormDesc desc(const BatchNormCase& p) {
  ops::BatchNormDesc d;
  d.rows = p.rows;
  d.channels = p.channels;
  d.relu = p.relu;
  return d;
}

void expect_same_statistics(const std::string& what, const KernelState& got,
                            const KernelState& want) {
  test::expect_same_bits(got.mean(), want.mean(), "save_mean" + what);
  test::expect_same_bits(got.invstd(), want.invstd(), "save_invstd" + what);
  test::expect_same_bits(got.run_mean(), want.run_mean(), "running_mean" + what);
  test::expect_same_bits(got.run_var(), want.run_var(), "running_var" + what);
}

template <class T>
class EmulatedBatchNorm : public ::testing::Test {};
TYPED_TEST_SUITE(EmulatedBatchNorm, test::StorageTypes);

// Two training steps (the running statistics updated twice) on both backends; the first step
// also as the two stages, bitwise the one call; then the replay from the saved statistics,
// bitwise the training output, touching no statistic.
TYPED_TEST(EmulatedBatchNorm, TrainingForwardMatchesTheCpuBackend) {
  using T = TypeParam;
  for (const BatchNormCase& p : kCases) {
    const ops::BatchNormDesc d = desc(p);
    const std::int64_t c = p.channels;
    const Shape shape{p.rows, c};
    const std::string what = test::type_tag<T>(p.name);
    const Tensor x = input<T>(shape, c);
    const test::Guarded<T> gx(x);

    ops::BatchNormState s = initial_state(c);
    KernelState ks(s, false), staged(s, false);
    Tensor y = Tensor::empty(shape, dtype_of<T>());
    test::Guarded<T> gy(x.numel()), staged_y(x.numel());
    for (int step = 0; step < 2; ++step) {
      ops::batchnorm_forward_train(d, x, s, y);
      k::batchnorm_forward_train<T>(ks.args(d, true), gx.get(), gy.get());
      if (step > 0) continue;
      const k::BatchNormArgs a = staged.args(d, true);
      const double* const sums = k::batchnorm_forward_sums<T>(a, gx.get());
      EXPECT_EQ(sums[2 * c], static_cast<double>(p.rows)) << "row count" << what;
      k::batchnorm_forward_apply<T>(a, sums, gx.get(), staged_y.get());
      test::expect_same_bits(staged_y.tensor(shape), gy.tensor(shape), "staged y" + what);
      expect_same_statistics(" (staged)" + what, staged, ks);
      EXPECT_TRUE(staged_y.intact() && staged.intact()) << "staged" << what;
    }
    test::expect_values_near<T>("train y" + what, gy.tensor(shape), y, kTol);
    test::expect_values_near<float>("save_mean" + what, ks.mean(), s.save_mean, kTol);
    test::expect_values_near<float>("save_invstd" + what, ks.invstd(), s.save_invstd, kTol);
    test::expect_values_near<float>("running_mean" + what, ks.run_mean(), s.running_mean, kTol);
    test::expect_values_near<float>("running_var" + what, ks.run_var(), s.running_var, kTol);
    EXPECT_TRUE(gy.intact() && ks.intact()) << "train" << what;

    const Tensor run_mean = ks.run_mean(), run_var = ks.run_var();
    test::Guarded<T> replay(x.numel());
    k::batchnorm_forward_saved<T>(ks.args(d, true), gx.get(), replay.get());
    test::expect_same_bits(replay.tensor(shape), gy.tensor(shape), "saved-statistics y" + what);
    test::expect_same_bits(ks.run_mean(), run_mean, "running_mean after the replay" + what);
    test::expect_same_bits(ks.run_var(), run_var, "running_var after the replay" + what);
    EXPECT_TRUE(replay.intact() && ks.intact()) << "replay" << what;
  }
}

// Eval and the replay, from the same statistics on both backends (the CPU's after a training
// step), so that they compare the normalization alone.
TYPED_TEST(EmulatedBatchNorm, EvalAndReplayMatchTheCpuBackend) {
  using T = TypeParam;
  for (const BatchNormCase& p : kCases) {
    const ops::BatchNormDesc d = desc(p);
    const std::int64_t c = p.channels;
    const Shape shape{p.rows, c};
    const std::string what = test::type_tag<T>(p.name);
    const Tensor x = input<T>(shape, c);
    const test::Guarded<T> gx(x);
    ops::BatchNormState s = initial_state(c);
    Tensor y = Tensor::empty(shape, dtype_of<T>());
    ops::batchnorm_forward_train(d, x, s, y);
    KernelState ks(s, true);

    Tensor ye = Tensor::empty(shape, dtype_of<T>());
    ops::batchnorm_forward_eval(d, x, s, ye);
    test::Guarded<T> gye(x.numel());
    k::batchnorm_forward_eval<T>(ks.args(d, false), gx.get(), gye.get());
    test::expect_values_near<T>("eval y" + what, gye.tensor(shape), ye, kTol);
    EXPECT_TRUE(gye.intact() && ks.intact()) << "eval" << what;

    Tensor ys = Tensor::empty(shape, dtype_of<T>());
    ops::batchnorm_forward_saved(d, x, s, ys);
    test::Guarded<T> gys(x.numel());
    k::batchnorm_forward_saved<T>(ks.args(d, true), gx.get(), gys.get());
    test::expect_values_near<T>("replay y" + what, gys.tensor(shape), ys, kTol);
    EXPECT_TRUE(gys.intact() && ks.intact()) << "replay" << what;
  }
}

// The backward from the same saved statistics on both backends (the CPU's training step), so
// that the fused ReLU's mask is the same; then the two stages with dx over a copy of dy (in
// place), bitwise the one call, and the stage-one sums are what dbeta and dgamma were rounded
// from.
TYPED_TEST(EmulatedBatchNorm, BackwardMatchesTheCpuBackend) {
  using T = TypeParam;
  for (const BatchNormCase& p : kCases) {
    const ops::BatchNormDesc d = desc(p);
    const std::int64_t c = p.channels;
    const Shape shape{p.rows, c};
    const std::string what = test::type_tag<T>(p.name);
    const Tensor x = input<T>(shape, c);
    const Tensor dy = test::round_to(test::random_as<float>(shape, 35), dtype_of<T>());
    const test::Guarded<T> gx(x), gdy(dy);
    ops::BatchNormState s = initial_state(c);
    Tensor y = Tensor::empty(shape, dtype_of<T>());
    ops::batchnorm_forward_train(d, x, s, y);
    KernelState ks(s, true);

    Tensor dx = Tensor::empty(shape, dtype_of<T>()), dgamma = Tensor::empty({c}),
           dbeta = Tensor::empty({c});
    ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);
    test::Guarded<T> gdx(x.numel());
    test::Guarded<float> gdgamma(c), gdbeta(c);
    const k::BatchNormArgs a = ks.args(d, true);
    k::batchnorm_backward<T>(a, gx.get(), gdy.get(), gdx.get(), gdgamma.get(), gdbeta.get());
    const Tensor norms = test::column_norms(test::widen(dy), p.rows, c);
    test::expect_values_near<T>("dx" + what, gdx.tensor(shape), dx, kTol);
    test::expect_values_near<float>("dgamma" + what, gdgamma.tensor({c}), dgamma, kTol, &norms);
    test::expect_values_near<float>("dbeta" + what, gdbeta.tensor({c}), dbeta, kTol, &norms);
    EXPECT_TRUE(gdx.intact() && gdgamma.intact() && gdbeta.intact() && ks.intact())
        << "backward" << what;

    test::Guarded<T> in_place(dy);
    test::Guarded<float> dgamma2(c), dbeta2(c);
    const double* const sums =
        k::batchnorm_backward_sums<T>(a, gx.get(), in_place.get(), dgamma2.get(), dbeta2.get());
    EXPECT_EQ(sums[2 * c], static_cast<double>(p.rows)) << "row count" << what;
    for (std::int64_t j = 0; j < c; ++j) {
      EXPECT_EQ(static_cast<float>(sums[j]), dbeta2.get()[j]) << "dbeta from the sums" << what;
      EXPECT_EQ(static_cast<float>(sums[c + j]), dgamma2.get()[j])
          << "dgamma from the sums" << what;
    }
    k::batchnorm_backward_apply<T>(a, sums, gx.get(), in_place.get(), in_place.get());
    test::expect_same_bits(in_place.tensor(shape), gdx.tensor(shape), "staged dx" + what);
    test::expect_same_bits(dgamma2.tensor({c}), gdgamma.tensor({c}), "staged dgamma" + what);
    test::expect_same_bits(dbeta2.tensor({c}), gdbeta.tensor({c}), "staged dbeta" + what);
    EXPECT_TRUE(in_place.intact() && dgamma2.intact() && dbeta2.intact() && ks.intact())
        << "staged backward" << what;
  }
}

// Sync BN's plumbing: a cross-rank sum that doubles the values, as if a second rank had the same
// batch (the means stay, the running variance's n / (n - 1) changes), on the CPU backend's sums
// and between the kernels' stages on their 2C + 1 sums.
const ops::CrossRankSum kDoublingSum = [](double* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) values[i] *= 2.0;
};

TYPED_TEST(EmulatedBatchNorm, SyncBatchNormWithADoublingSumMatchesTheCpuBackend) {
  using T = TypeParam;
  for (const BatchNormCase& p : {kCases[1], kCases[2]}) {
    ops::BatchNormDesc d = desc(p);
    d.sync = &kDoublingSum;
    const std::int64_t c = p.channels;
    const Shape shape{p.rows, c};
    const std::string what = test::type_tag<T>(p.name) + " sync";
    const Tensor x = input<T>(shape, c);
    const Tensor dy = test::round_to(test::random_as<float>(shape, 38), dtype_of<T>());
    const test::Guarded<T> gx(x), gdy(dy);

    ops::BatchNormState s = initial_state(c);
    KernelState ks(s, false);
    Tensor y = Tensor::empty(shape, dtype_of<T>());
    test::Guarded<T> gy(x.numel());
    ops::batchnorm_forward_train(d, x, s, y);
    const k::BatchNormArgs a = ks.args(d, true);
    double* const sums = k::batchnorm_forward_sums<T>(a, gx.get());
    kDoublingSum(sums, 2 * c + 1);
    k::batchnorm_forward_apply<T>(a, sums, gx.get(), gy.get());
    test::expect_values_near<T>("y" + what, gy.tensor(shape), y, kTol);
    test::expect_values_near<float>("save_mean" + what, ks.mean(), s.save_mean, kTol);
    test::expect_values_near<float>("save_invstd" + what, ks.invstd(), s.save_invstd, kTol);
    test::expect_values_near<float>("running_mean" + what, ks.run_mean(), s.running_mean, kTol);
    test::expect_values_near<float>("running_var" + what, ks.run_var(), s.running_var, kTol);
    EXPECT_TRUE(gy.intact() && ks.intact()) << "train" << what;

    // From the CPU's statistics, as in the backward test.
    KernelState bs(s, true);
    const k::BatchNormArgs b = bs.args(d, true);
    Tensor dx = Tensor::empty(shape, dtype_of<T>()), dgamma = Tensor::empty({c}),
           dbeta = Tensor::empty({c});
    ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);
    test::Guarded<T> gdx(x.numel());
    test::Guarded<float> gdgamma(c), gdbeta(c);
    double* const grad_sums =
        k::batchnorm_backward_sums<T>(b, gx.get(), gdy.get(), gdgamma.get(), gdbeta.get());
    kDoublingSum(grad_sums, 2 * c + 1);
    k::batchnorm_backward_apply<T>(b, grad_sums, gx.get(), gdy.get(), gdx.get());
    const Tensor norms = test::column_norms(test::widen(dy), p.rows, c);
    test::expect_values_near<T>("dx" + what, gdx.tensor(shape), dx, kTol);
    test::expect_values_near<float>("dgamma" + what, gdgamma.tensor({c}), dgamma, kTol, &norms);
    test::expect_values_near<float>("dbeta" + what, gdbeta.tensor({c}), dbeta, kTol, &norms);
    EXPECT_TRUE(gdx.intact() && gdgamma.intact() && gdbeta.intact() && bs.intact())
        << "backward" << what;
  }
}

}  // namespace
