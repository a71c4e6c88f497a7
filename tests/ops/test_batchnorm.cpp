// Batch normalization against a naive double reference: training forward (batch statistics,
// saved statistics, running-stat update), eval forward, and the gradient through the batch
// statistics, each with and without the fused ReLU. With 16-bit activations (bf16, f16), each
// op against the f32 op on the widened inputs, bitwise, sync BN included.
#include <fmt/format.h>

#include <cmath>

#include "op_test_util.hpp"
#include "swag/ops/batchnorm.hpp"

namespace swag::test {
namespace {

using ops::BatchNormDesc;
using ops::BatchNormState;

struct BnParams {
  Vec gamma, beta;
};

struct BnTrainRef {
  Vec y, mean, var;  // var is the biased batch variance
};

double relu_if(bool relu, double v) {
  return relu && v < 0.0 ? 0.0 : v;
}

BnTrainRef bn_train_ref(const BatchNormDesc& d, const Vec& x, const BnParams& p) {
  const std::int64_t rows = d.rows, c = d.channels;
  BnTrainRef out{Vec(x.size()), Vec(c, 0.0), Vec(c, 0.0)};
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < c; ++j) out.mean[j] += x[r * c + j] / rows;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < c; ++j)
      out.var[j] += std::pow(x[r * c + j] - out.mean[j], 2) / rows;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < c; ++j) {
      const double xhat = (x[r * c + j] - out.mean[j]) / std::sqrt(out.var[j] + d.eps);
      out.y[r * c + j] = relu_if(d.relu, xhat * p.gamma[j] + p.beta[j]);
    }
  return out;
}

// Float error bound of (x - mean) * scale + beta: mean and scale carry one and two roundings,
// the subtraction and the multiply-add one each, so |error| <= ~5u (|x - mean| + |mean|) |scale|
// + u |beta| to first order; 8u leaves room for the second-order terms.
Vec normalize_tol(const BatchNormDesc& d, const Vec& x, const Vec& mean, const Vec& scale,
                  const Vec& beta) {
  Vec tol(x.size());
  for (std::int64_t r = 0; r < d.rows; ++r)
    for (std::int64_t j = 0; j < d.channels; ++j) {
      const double xv = x[r * d.channels + j];
      tol[r * d.channels + j] =
          8 * kUnitRoundoff *
          ((std::fabs(xv - mean[j]) + std::fabs(mean[j])) * std::fabs(scale[j]) +
           std::fabs(beta[j]));
    }
  return tol;
}

BatchNormState make_state(std::int64_t c, std::uint64_t seed) {
  return {random_tensor({c}, seed, 0.5f, 1.5f),
          random_tensor({c}, seed + 1, -0.5f, 0.5f),
          random_tensor({c}, seed + 2, -0.2f, 0.2f),
          random_tensor({c}, seed + 3, 0.5f, 2.0f),
          Tensor::empty({c}),
          Tensor::empty({c})};
}

struct Case {
  std::int64_t rows, channels;
  float offset;  // added to x: normalization must not lose accuracy to a large mean
  bool relu;
};

std::string name(const Case& c) {
  return fmt::format("{}x{}_offset{}{}", c.rows, c.channels, c.offset, c.relu ? "_relu" : "");
}

// 32 rows fit one block of the statistics sum, 256 span eight.
const Case kCases[] = {{32, 5, 0.0f, false},
                       {32, 5, 0.0f, true},
                       {256, 19, 0.0f, false},
                       {256, 19, 0.0f, true},
                       {72, 3, 50.0f, false}};

class BatchNorm : public ::testing::TestWithParam<Case> {
 protected:
  BatchNormDesc desc() const {
    const Case c = GetParam();
    return {c.rows, c.channels, 1e-5f, 0.25f, c.relu};
  }
  Tensor input(std::uint64_t seed) const {
    const Case c = GetParam();
    Tensor x = random_tensor({c.rows, c.channels}, seed, -2.0f, 2.0f);
    for (std::int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] += c.offset;
    return x;
  }
};

TEST_P(BatchNorm, TrainForwardMatchesReference) {
  const BatchNormDesc d = desc();
  const std::int64_t c = d.channels;
  Tensor x = input(1), y = Tensor::empty(x.shape());
  BatchNormState s = make_state(c, 2);
  const Vec rm0 = to_double(s.running_mean), rv0 = to_double(s.running_var);
  ops::batchnorm_forward_train(d, x, s, y);

  const Vec xd = to_double(x);
  const BnParams p{to_double(s.gamma), to_double(s.beta)};
  const BnTrainRef ref = bn_train_ref(d, xd, p);
  Vec scale(c), invstd(c), mean_tol(c), invstd_tol(c), rm(c), rv(c), rm_tol(c), rv_tol(c);
  const double m = d.momentum, n = static_cast<double>(d.rows);
  for (std::int64_t j = 0; j < c; ++j) {
    invstd[j] = 1.0 / std::sqrt(ref.var[j] + d.eps);
    scale[j] = p.gamma[j] * invstd[j];
    mean_tol[j] = 2 * kUnitRoundoff * std::fabs(ref.mean[j]) + 1e-12;
    invstd_tol[j] = 2 * kUnitRoundoff * invstd[j];
    // PyTorch's update: biased variance normalizes, the unbiased one enters running_var.
    rm[j] = (1 - m) * rm0[j] + m * ref.mean[j];
    rv[j] = (1 - m) * rv0[j] + m * ref.var[j] * n / (n - 1);
    rm_tol[j] = 4 * kUnitRoundoff * (std::fabs((1 - m) * rm0[j]) + std::fabs(m * ref.mean[j]));
    rv_tol[j] = 4 * kUnitRoundoff * rv[j];
  }
  expect_within(y, ref.y, normalize_tol(d, xd, ref.mean, scale, p.beta), name(GetParam()));
  expect_within(s.save_mean, ref.mean, mean_tol, "save_mean");
  expect_within(s.save_invstd, invstd, invstd_tol, "save_invstd");
  expect_within(s.running_mean, rm, rm_tol, "running_mean");
  expect_within(s.running_var, rv, rv_tol, "running_var");
}

TEST_P(BatchNorm, EvalForwardUsesRunningStatistics) {
  const BatchNormDesc d = desc();
  const std::int64_t c = d.channels;
  Tensor x = input(3), y = Tensor::empty(x.shape());
  BatchNormState s = make_state(c, 4);
  const Vec before = to_double(s.running_mean);
  ops::batchnorm_forward_eval(d, x, s, y);
  EXPECT_EQ(to_double(s.running_mean), before);

  const Vec xd = to_double(x), g = to_double(s.gamma), b = to_double(s.beta);
  const Vec rm = to_double(s.running_mean), rv = to_double(s.running_var);
  Vec want(xd.size()), scale(c);
  for (std::int64_t j = 0; j < c; ++j) scale[j] = g[j] / std::sqrt(rv[j] + d.eps);
  for (std::int64_t r = 0; r < d.rows; ++r)
    for (std::int64_t j = 0; j < c; ++j)
      want[r * c + j] = relu_if(d.relu, (xd[r * c + j] - rm[j]) * scale[j] + b[j]);
  expect_within(y, want, normalize_tol(d, xd, rm, scale, b), name(GetParam()));
}

TEST_P(BatchNorm, TrainBackwardMatchesCentralDifferences) {
  const BatchNormDesc d = desc();
  Tensor x = input(5), y = Tensor::empty(x.shape()), r = random_tensor(x.shape(), 6);
  BatchNormState s = make_state(d.channels, 7);
  ops::batchnorm_forward_train(d, x, s, y);
  Tensor dx = Tensor::empty(x.shape()), dgamma = Tensor::empty({d.channels});
  Tensor dbeta = Tensor::empty({d.channels});
  ops::batchnorm_backward(d, x, r, s, dx, dgamma, dbeta);

  Vec xd = to_double(x);
  BnParams p{to_double(s.gamma), to_double(s.beta)};
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, bn_train_ref(d, xd, p).y); };
  const std::string what = name(GetParam());
  expect_close(dx, numeric_gradient(xd, loss, kSmoothStep), kSmoothRel, what + " dx");
  expect_close(dgamma, numeric_gradient(p.gamma, loss, kSmoothStep), kSmoothRel, what + " dgamma");
  expect_close(dbeta, numeric_gradient(p.beta, loss, kSmoothStep), kSmoothRel, what + " dbeta");

  // dx may alias dy.
  ops::batchnorm_backward(d, x, r, s, r, dgamma, dbeta);
  EXPECT_EQ(to_double(r), to_double(dx));
}

// Activation recomputation replays a training forward from its saved statistics: the same output
// bits, with the running statistics, the saved ones and the other ranks left alone.
TEST_P(BatchNorm, SavedForwardReplaysTheTrainingForward) {
  int sums = 0;
  const ops::CrossRankSum counting = [&](double*, std::int64_t) { ++sums; };
  BatchNormDesc d = desc();
  d.sync = &counting;
  Tensor x = input(8), y = Tensor::empty(x.shape()), replay = Tensor::empty(x.shape());
  BatchNormState s = make_state(d.channels, 9);
  ops::batchnorm_forward_train(d, x, s, y);
  ASSERT_EQ(sums, 1);
  const Vec stats[] = {to_double(s.running_mean), to_double(s.running_var), to_double(s.save_mean),
                       to_double(s.save_invstd)};
  ops::batchnorm_forward_saved(d, x, s, replay);
  EXPECT_EQ(to_double(replay), to_double(y));
  EXPECT_EQ(sums, 1) << "the replay summed over ranks";
  const Tensor* after[] = {&s.running_mean, &s.running_var, &s.save_mean, &s.save_invstd};
  for (int k = 0; k < 4; ++k) EXPECT_EQ(to_double(*after[k]), stats[k]) << "statistic " << k;
}

// The fused ReLU's backward keeps exactly the elements the forward kept (y > 0), also where the
// pre-activation rounds to the threshold: there a different rounding in backward (another FMA
// contraction, another vector path) would flip the mask and move the channel's whole gradient.
// Each channel's values repeat, and beta puts one of them on the threshold to within a rounding.
TEST(BatchNormFusedRelu, BackwardMasksWhatTheForwardZeroed) {
  constexpr std::int64_t rows = 64, c = 7, level_on_threshold = 1;
  const BatchNormDesc d{rows, c, 1e-5f, 0.25f, true};
  const Tensor levels = random_tensor({4, c}, 11, -2.0f, 2.0f);
  Tensor x = Tensor::empty({rows, c}), y = Tensor::empty({rows, c});
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < c; ++j)
      x.data<float>()[r * c + j] = levels.data<float>()[(r % 4) * c + j];
  BatchNormState s = make_state(c, 12);
  ops::batchnorm_forward_train(d, x, s, y);  // the statistics, which beta does not change
  float* const beta = s.beta.data<float>();
  for (std::int64_t j = 0; j < c; ++j) {
    // volatile: each product rounded on its own, never contracted into an FMA here
    const volatile float scale = s.gamma.data<float>()[j] * s.save_invstd.data<float>()[j];
    const volatile float centered =
        levels.data<float>()[level_on_threshold * c + j] - s.save_mean.data<float>()[j];
    beta[j] = -(centered * scale);
  }
  ops::batchnorm_forward_train(d, x, s, y);
  for (std::int64_t j = 0; j < c; ++j) {
    const double v = (static_cast<double>(levels.data<float>()[level_on_threshold * c + j]) -
                      s.save_mean.data<float>()[j]) *
                         s.gamma.data<float>()[j] * s.save_invstd.data<float>()[j] +
                     beta[j];
    ASSERT_LT(std::fabs(v), 1e-6) << "channel " << j << " is not on the threshold";
  }

  const Tensor dy = random_tensor(x.shape(), 13);
  Tensor dx = Tensor::empty(x.shape()), dgamma = Tensor::empty({c}), dbeta = Tensor::empty({c});
  ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);

  // The same gradient with the mask taken from the forward's output and no fused ReLU.
  Tensor masked = Tensor::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i)
    masked.data<float>()[i] = y.data<float>()[i] > 0.0f ? dy.data<float>()[i] : 0.0f;
  BatchNormDesc plain = d;
  plain.relu = false;
  Tensor want_dx = Tensor::empty(x.shape()), want_dgamma = Tensor::empty({c});
  Tensor want_dbeta = Tensor::empty({c});
  ops::batchnorm_backward(plain, x, masked, s, want_dx, want_dgamma, want_dbeta);
  EXPECT_EQ(to_double(dx), to_double(want_dx));
  EXPECT_EQ(to_double(dgamma), to_double(want_dgamma));
  EXPECT_EQ(to_double(dbeta), to_double(want_dbeta));
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNorm, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return name(p.param); });

TEST(BatchNormContract, TrainingNeedsMoreThanOneRow) {
  const BatchNormDesc d{1, 2};
  Tensor x = Tensor::zeros({1, 2}), y = Tensor::empty({1, 2});
  BatchNormState s = make_state(2, 1);
  EXPECT_THROW(ops::batchnorm_forward_train(d, x, s, y), Error);
}

// Every tensor the backends index by rows x channels, or by channel, is checked before they run:
// one element short is an error, not a read or write past its end.
TEST(BatchNormContract, ShortTensorsAreRejected) {
  const BatchNormDesc d{4, 3};
  const Tensor x = random_tensor({4, 3}, 1), dy = random_tensor({4, 3}, 2);
  Tensor y = Tensor::empty({4, 3}), dx = Tensor::empty({4, 3});
  Tensor dgamma = Tensor::empty({3}), dbeta = Tensor::empty({3});
  BatchNormState s = make_state(3, 1);
  ops::batchnorm_forward_train(d, x, s, y);
  ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);  // the well-formed call runs

  Tensor short_y = Tensor::empty({11}), short_dx = Tensor::empty({11}),
         short_c = Tensor::empty({2});
  EXPECT_THROW(ops::batchnorm_forward_train(d, x, s, short_y), Error);
  EXPECT_THROW(ops::batchnorm_forward_eval(d, x, s, short_y), Error);
  EXPECT_THROW(ops::batchnorm_forward_saved(d, x, s, short_y), Error);
  EXPECT_THROW(ops::batchnorm_backward(d, x, short_y, s, dx, dgamma, dbeta), Error);
  EXPECT_THROW(ops::batchnorm_backward(d, x, dy, s, short_dx, dgamma, dbeta), Error);
  EXPECT_THROW(ops::batchnorm_backward(d, x, dy, s, dx, short_c, dbeta), Error);
  EXPECT_THROW(ops::batchnorm_backward(d, x, dy, s, dx, dgamma, short_c), Error);
  BatchNormState unsaved = make_state(3, 1);
  unsaved.save_invstd = Tensor::empty({2});
  EXPECT_THROW(ops::batchnorm_backward(d, x, dy, unsaved, dx, dgamma, dbeta), Error);

  const BatchNormDesc no_channels{4, 0};
  BatchNormState empty = make_state(0, 1);
  Tensor none = Tensor::empty({4, 0});
  EXPECT_THROW(ops::batchnorm_forward_train(no_channels, none, empty, none), Error);
}

// Mixed precision (doc/mixed_precision.md): the op on S = bf16 or f16 activations computes the
// f32 path's floats from the loaded inputs and rounds each S output once, so it equals, bit for
// bit, the f32 op run on the widened inputs with its S outputs rounded to S; the fp32 outputs
// (statistics, running statistics, dgamma, dbeta) are identical.
void expect_same_state(const BatchNormState& got, const BatchNormState& want,
                       const std::string& what) {
  expect_same_bits(got.save_mean, want.save_mean, what + " save_mean");
  expect_same_bits(got.save_invstd, want.save_invstd, what + " save_invstd");
  expect_same_bits(got.running_mean, want.running_mean, what + " running_mean");
  expect_same_bits(got.running_var, want.running_var, what + " running_var");
}

// Training forward (two steps), eval forward and backward (also in place) on S, against f32.
template <class T>
void expect_matches_f32(const Case& k, const ops::CrossRankSum* sync) {
  const std::string what =
      fmt::format("{} {}{}", dtype_name(dtype_of<T>()), name(k), sync != nullptr ? " sync" : "");
  const std::int64_t c = k.channels;
  const BatchNormDesc d{k.rows, c, 1e-5f, 0.25f, k.relu, sync};
  Tensor x32 = random_tensor({k.rows, c}, 11, -2.0f, 2.0f);
  for (std::int64_t i = 0; i < x32.numel(); ++i) x32.data<float>()[i] += k.offset;
  constexpr DType st = dtype_of<T>();
  const Tensor x = round_to(x32, st), dy = round_to(random_tensor({k.rows, c}, 12), st);
  const Tensor xw = widen(x), dyw = widen(dy);

  BatchNormState s = make_state(c, 13), sw = make_state(c, 13);
  Tensor y = Tensor::empty(x.shape(), st), yw = Tensor::empty(x.shape());
  for (int step = 0; step < 2; ++step) {
    ops::batchnorm_forward_train(d, x, s, y);
    ops::batchnorm_forward_train(d, xw, sw, yw);
  }
  expect_same_bits(y, round_to(yw, st), what + " train y");
  expect_same_state(s, sw, what);
  Tensor replay = Tensor::empty(x.shape(), st);
  ops::batchnorm_forward_saved(d, x, s, replay);
  expect_same_bits(replay, y, what + " saved-statistics y");

  Tensor dx = Tensor::empty(x.shape(), st), dxw = Tensor::empty(x.shape());
  Tensor dgamma = Tensor::empty({c}), dbeta = Tensor::empty({c});
  Tensor dgammaw = Tensor::empty({c}), dbetaw = Tensor::empty({c});
  ops::batchnorm_backward(d, x, dy, s, dx, dgamma, dbeta);
  ops::batchnorm_backward(d, xw, dyw, sw, dxw, dgammaw, dbetaw);
  expect_same_bits(dx, round_to(dxw, st), what + " dx");
  expect_same_bits(dgamma, dgammaw, what + " dgamma");
  expect_same_bits(dbeta, dbetaw, what + " dbeta");
  Tensor inplace = round_to(widen(dy), st);  // dx may alias dy
  ops::batchnorm_backward(d, x, inplace, s, inplace, dgamma, dbeta);
  expect_same_bits(inplace, dx, what + " dx in place");

  ops::batchnorm_forward_eval(d, x, s, y);
  ops::batchnorm_forward_eval(d, xw, sw, yw);
  expect_same_bits(y, round_to(yw, st), what + " eval y");
}

// Sync BN's plumbing without a second rank: a cross-rank sum that doubles the values, as if
// another rank had the same batch (the running variance's n / (n - 1) changes).
const ops::CrossRankSum kDoublingSum = [](double* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) values[i] *= 2.0;
};

TEST(BatchNormMixedPrecision, Bf16MatchesF32OnWidenedInputs) {
  for (const Case& k : kCases) expect_matches_f32<bf16>(k, nullptr);
  for (const Case& k : {kCases[1], kCases[2]}) expect_matches_f32<bf16>(k, &kDoublingSum);
}

TEST(BatchNormMixedPrecision, F16MatchesF32OnWidenedInputs) {
  for (const Case& k : kCases) expect_matches_f32<f16>(k, nullptr);
  for (const Case& k : {kCases[1], kCases[2]}) expect_matches_f32<f16>(k, &kDoublingSum);
}

TEST(BatchNormMixedPrecision, ActivationsMustShareOneType) {
  const BatchNormDesc d{4, 2};
  const Tensor x = Tensor::zeros({4, 2}, DType::bf16);
  Tensor y = Tensor::empty({4, 2}), dx = Tensor::empty({4, 2}, DType::bf16);
  Tensor dgamma = Tensor::empty({2}), dbeta = Tensor::empty({2});
  BatchNormState s = make_state(2, 1);
  EXPECT_THROW(ops::batchnorm_forward_train(d, x, s, y), Error);
  EXPECT_THROW(ops::batchnorm_forward_eval(d, x, s, y), Error);
  EXPECT_THROW(ops::batchnorm_backward(d, x, y, s, dx, dgamma, dbeta), Error);
}

}  // namespace
}  // namespace swag::test
