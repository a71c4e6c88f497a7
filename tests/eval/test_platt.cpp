// Platt scaling: the gradient against finite differences, L-BFGS on a known problem, and the
// fit on synthetic data whose posteriors were computed under a skewed class prior.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "swag/core/error.hpp"
#include "swag/core/rng.hpp"
#include "swag/eval/lbfgs.hpp"
#include "swag/eval/platt.hpp"

namespace swag::eval {
namespace {

// Rows of softmax(standard normal * spread).
Tensor random_probs(std::int64_t n, std::int64_t c, float spread, std::uint64_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::empty({n, c});
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (std::int64_t k = 0; k < c; ++k) sum += (p[i * c + k] = std::exp(spread * rng.normal()));
    for (std::int64_t k = 0; k < c; ++k) p[i * c + k] = static_cast<float>(p[i * c + k] / sum);
  }
  return t;
}

TEST(Platt, GradientMatchesFiniteDifferences) {
  const Tensor p = random_probs(60, 6, 1.5f, 1);
  for (const double lambda : {0.0, 0.3}) {
    const PlattObjective f(p, 4.0, lambda);
    Rng rng(2);
    std::vector<double> theta(12);
    for (int k = 0; k < 6; ++k) theta[k] = 4.0 + 2.0 * rng.normal();
    for (int k = 6; k < 12; ++k) theta[k] = rng.normal();
    std::vector<double> grad(12), ignored(12);
    f.evaluate(theta, grad);
    double largest = 0;
    for (std::size_t j = 0; j < theta.size(); ++j) {
      const double h = 1e-6;
      std::vector<double> up = theta, down = theta;
      up[j] += h;
      down[j] -= h;
      const double fd = (f.evaluate(up, ignored) - f.evaluate(down, ignored)) / (2 * h);
      EXPECT_NEAR(grad[j], fd, 1e-8 + 1e-6 * std::abs(fd)) << "theta[" << j << "] λ " << lambda;
      largest = std::max(largest, std::abs(fd));
    }
    EXPECT_GT(largest, 1e-3);  // a gradient worth checking
  }
}

TEST(Platt, ObjectiveIsZeroForTheUniformScaler) {
  // w = b = 0 predicts 1/C everywhere: KL(u || q) = 0, J = the ridge = λ/2 (w/s - 1 = -1).
  const Tensor p = random_probs(20, 4, 1.0f, 3);
  const PlattObjective f(p, 2.0, 0.5);
  std::vector<double> theta(8, 0.0), grad(8);
  double kl = -1;
  EXPECT_NEAR(f.evaluate(theta, grad, &kl), 0.25, 1e-12);
  EXPECT_NEAR(kl, 0.0, 1e-12);
}

TEST(Lbfgs, FindsTheRosenbrockMinimum) {
  const Objective rosenbrock = [](std::span<const double> x, std::span<double> g) {
    const double a = 1 - x[0], b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  };
  const LbfgsResult r = minimize_lbfgs(rosenbrock, {-1.2, 1.0}, {});
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.x[0], 1.0, 1e-6);
  EXPECT_NEAR(r.x[1], 1.0, 1e-6);
  EXPECT_LT(r.iterations, 100);
}

// Gaussian classes in d dimensions, balanced; `probs` is the Bayes posterior under `prior`,
// `uniform_probs` under the uniform prior (what the scaler should recover).
struct Synthetic {
  Tensor probs, uniform_probs;
  std::vector<std::int64_t> labels;
};

Synthetic prior_shifted(std::int64_t classes, std::int64_t per_class, double skew,
                        std::uint64_t seed) {
  constexpr int d = 8;
  Rng means_rng(7);  // the same class means for every seed: one distribution, several samples
  std::vector<double> mu(static_cast<std::size_t>(classes * d));
  for (double& m : mu) m = 0.6 * means_rng.normal();
  std::vector<double> log_prior(static_cast<std::size_t>(classes));
  for (std::int64_t k = 0; k < classes; ++k) log_prior[k] = static_cast<double>(k) * std::log(skew);
  Rng rng(seed);
  const std::int64_t n = classes * per_class;
  Synthetic s{Tensor::empty({n, classes}), Tensor::empty({n, classes}), {}};
  std::vector<double> ll(static_cast<std::size_t>(classes));
  const auto posterior = [&](bool with_prior, float* out) {
    double top = -HUGE_VAL, sum = 0;
    for (std::int64_t k = 0; k < classes; ++k)
      top = std::max(top, ll[k] + (with_prior ? log_prior[k] : 0));
    for (std::int64_t k = 0; k < classes; ++k)
      sum += std::exp(ll[k] + (with_prior ? log_prior[k] : 0) - top);
    for (std::int64_t k = 0; k < classes; ++k)
      out[k] = static_cast<float>(std::exp(ll[k] + (with_prior ? log_prior[k] : 0) - top) / sum);
  };
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t y = i % classes;
    double x[d];
    for (int j = 0; j < d; ++j) x[j] = mu[y * d + j] + rng.normal();
    for (std::int64_t k = 0; k < classes; ++k) {
      ll[k] = 0;
      for (int j = 0; j < d; ++j) ll[k] -= 0.5 * (x[j] - mu[k * d + j]) * (x[j] - mu[k * d + j]);
    }
    posterior(true, s.probs.data<float>() + i * classes);
    posterior(false, s.uniform_probs.data<float>() + i * classes);
    s.labels.push_back(y);
  }
  return s;
}

double accuracy(const Tensor& scores, const std::vector<std::int64_t>& labels) {
  const std::int64_t c = scores.dim(1);
  const float* s = scores.data<float>();
  std::int64_t right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const float* row = s + static_cast<std::int64_t>(i) * c;
    right += (std::max_element(row, row + c) - row) == labels[i];
  }
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

std::vector<double> fractions(const Tensor& scores) {
  std::vector<double> f;
  for (const auto count : argmax_histogram(scores))
    f.push_back(static_cast<double>(count) / static_cast<double>(scores.dim(0)));
  return f;
}

TEST(Platt, UndoesAClassPriorShift) {
  // Prior ∝ 0.5^k over 5 classes (class 0 is 16 times as likely as class 4) on a balanced set.
  const Synthetic test = prior_shifted(5, 400, 0.5, 11);
  const std::vector<double> before = fractions(test.probs);
  // The shift shows: some classes predicted far more often than 1/5, class 4 rarely.
  EXPECT_GT(*std::max_element(before.begin(), before.end()), 0.28);
  EXPECT_LT(before[4], 0.08);

  const PlattFit fit = fit_platt(test.probs);
  EXPECT_TRUE(fit.converged);
  EXPECT_LT(fit.kl, 1e-3);
  const Tensor calibrated = fit.scaler.apply(test.probs);
  for (const double f : fractions(calibrated)) {
    EXPECT_GT(f, 0.2 - 0.025);
    EXPECT_LT(f, 0.2 + 0.025);
  }
  const double raw = accuracy(test.probs, test.labels);
  const double platt = accuracy(calibrated, test.labels);
  const double bayes = accuracy(test.uniform_probs, test.labels);  // knows the true prior
  EXPECT_GT(platt, raw + 0.04) << "raw " << raw << " bayes " << bayes;
  EXPECT_GT(platt, bayes - 0.015) << "raw " << raw << " bayes " << bayes;

  // The scaler carries over to another balanced sample of the same distribution.
  const Synthetic other = prior_shifted(5, 400, 0.5, 12);
  const double other_raw = accuracy(other.probs, other.labels);
  const double other_platt = accuracy(fit.scaler.apply(other.probs), other.labels);
  EXPECT_GT(other_platt, other_raw + 0.04) << "raw " << other_raw;
}

TEST(Platt, LeavesCalibratedBalancedPredictionsAlone) {
  const Synthetic test = prior_shifted(5, 400, 1.0, 13);  // uniform prior: nothing to correct
  const PlattFit fit = fit_platt(test.probs);
  EXPECT_TRUE(fit.converged);
  const double raw = accuracy(test.probs, test.labels);
  EXPECT_NEAR(accuracy(fit.scaler.apply(test.probs), test.labels), raw, 0.01);
}

TEST(Platt, IsDeterministic) {
  const Synthetic test = prior_shifted(4, 100, 0.6, 14);
  const PlattFit a = fit_platt(test.probs), b = fit_platt(test.probs);
  EXPECT_EQ(a.scaler.w, b.scaler.w);
  EXPECT_EQ(a.scaler.b, b.scaler.b);
  EXPECT_EQ(a.iterations, b.iterations);
}

TEST(Platt, AutomaticScaleFollowsTheRowMaxima) {
  Tensor p = Tensor::empty({2, 2});
  const float v[] = {0.5f, 0.5f, 0.0f, 1.0f};  // maxima 0.5 and 1: mean 0.75
  std::copy(v, v + 4, p.data<float>());
  EXPECT_NEAR(automatic_platt_scale(p), 20.0 / 0.75, 1e-12);
}

ExitCode check_code(const Tensor& t) {
  try {
    check_probability_rows(t, "P.h5: /probs");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("P.h5: /probs"), std::string::npos) << e.what();
    return e.code();
  }
  return ExitCode::ok;
}

TEST(Platt, ChecksProbabilityRows) {
  Tensor p = random_probs(3, 4, 1.0f, 5);
  EXPECT_EQ(check_code(p), ExitCode::ok);
  p.data<float>()[5] = -0.01f;
  EXPECT_EQ(check_code(p), ExitCode::input);
  p.data<float>()[5] = std::nanf("");
  EXPECT_EQ(check_code(p), ExitCode::input);
  p.data<float>()[5] = 0.9f;  // row 1 no longer sums to 1
  EXPECT_EQ(check_code(p), ExitCode::input);
  EXPECT_EQ(check_code(random_probs(3, 1, 1.0f, 5)), ExitCode::input);  // one class
  EXPECT_EQ(check_code(random_probs(3, 4, 1.0f, 5).reshape({12})), ExitCode::input);
}

}  // namespace
}  // namespace swag::eval
