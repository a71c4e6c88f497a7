#include "swag/eval/platt.hpp"

#include <algorithm>
#include <cmath>

#include "swag/core/error.hpp"
#include "swag/eval/lbfgs.hpp"

namespace swag::eval {
namespace {

// out = softmax(w ⊙ p + b) for one row of c values.
void softmax_row(const float* p, const double* w, const double* b, std::int64_t c, double* out) {
  double top = -HUGE_VAL;
  for (std::int64_t k = 0; k < c; ++k) {
    out[k] = w[k] * p[k] + b[k];
    top = std::max(top, out[k]);
  }
  double sum = 0;
  for (std::int64_t k = 0; k < c; ++k) sum += (out[k] = std::exp(out[k] - top));
  for (std::int64_t k = 0; k < c; ++k) out[k] /= sum;
}

// out = Σ over rows i < n of row(i, acc, scratch), where row adds its terms to acc (out.size()
// values) and may use scratch (out.size() values). Rows go in blocks of fixed size, one
// partial sum per block, added in block order: the result does not depend on the threads.
template <class Row>
void sum_over_blocks(std::int64_t n, std::size_t width, std::span<double> out, const Row& row) {
  constexpr std::int64_t kBlock = 256;
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks) * width, 0.0);
#pragma omp parallel
  {
    std::vector<double> scratch(width);
#pragma omp for schedule(static)
    for (std::int64_t k = 0; k < blocks; ++k) {
      double* acc = partial.data() + static_cast<std::size_t>(k) * width;
      for (std::int64_t i = k * kBlock; i < std::min(n, (k + 1) * kBlock); ++i)
        row(i, acc, scratch.data());
    }
  }
  std::fill(out.begin(), out.end(), 0.0);
  for (std::int64_t k = 0; k < blocks; ++k)
    for (std::size_t j = 0; j < width; ++j)
      out[j] += partial[static_cast<std::size_t>(k) * width + j];
}

}  // namespace

Tensor PlattScaler::apply(const Tensor& probs) const {
  const std::int64_t n = probs.dim(0), c = probs.dim(1);
  SWAG_CHECK(static_cast<std::int64_t>(w.size()) == c && static_cast<std::int64_t>(b.size()) == c,
             "scaler of {} classes applied to {} columns", w.size(), c);
  Tensor out = Tensor::empty({n, c});
  std::vector<double> row(static_cast<std::size_t>(c));
  const float* p = probs.data<float>();
  float* o = out.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    softmax_row(p + i * c, w.data(), b.data(), c, row.data());
    for (std::int64_t k = 0; k < c; ++k) o[i * c + k] = static_cast<float>(row[k]);
  }
  return out;
}

PlattObjective::PlattObjective(const Tensor& probs, double scale, double regularization)
    : p_(probs.data<float>()),
      n_(probs.dim(0)),
      c_(probs.dim(1)),
      scale_(scale),
      regularization_(regularization) {
  SWAG_CHECK(probs.rank() == 2 && n_ > 0 && c_ > 0, "probabilities of shape {}",
             shape_str(probs.shape()));
  SWAG_CHECK(scale > 0 && regularization >= 0, "scale {} regularization {}", scale, regularization);
}

double PlattObjective::evaluate(std::span<const double> theta, std::span<double> grad,
                                double* kl) const {
  const auto c = static_cast<std::size_t>(c_);
  SWAG_CHECK(theta.size() == 2 * c && grad.size() == 2 * c, "theta {} grad {} for {} classes",
             theta.size(), grad.size(), c);
  const double* w = theta.data();
  const double* b = theta.data() + c;
  // Pass 1: the mean prediction.
  std::vector<double> mean(c);
  sum_over_blocks(n_, c, mean, [&](std::int64_t i, double* acc, double* q) {
    softmax_row(p_ + i * c_, w, b, c_, q);
    for (std::size_t k = 0; k < c; ++k) acc[k] += q[k];
  });
  double kl_term = 0;
  const auto classes = static_cast<double>(c);
  // dJ/dp'_ik = -1 / (C N mean_k), the same for every row.
  std::vector<double> dq(c);
  for (std::size_t k = 0; k < c; ++k) {
    mean[k] /= static_cast<double>(n_);
    kl_term -= std::log(classes * mean[k]) / classes;
    dq[k] = -1.0 / (classes * static_cast<double>(n_) * mean[k]);
  }
  // Pass 2: back through each row's softmax, dz_k = p'_k (dq_k - Σ_j p'_j dq_j).
  sum_over_blocks(n_, 2 * c, grad, [&](std::int64_t i, double* acc, double* q) {
    const float* p = p_ + i * c_;
    softmax_row(p, w, b, c_, q);
    double t = 0;
    for (std::size_t k = 0; k < c; ++k) t += q[k] * dq[k];
    for (std::size_t k = 0; k < c; ++k) {
      const double d = q[k] * (dq[k] - t);
      acc[k] += d * p[k];
      acc[c + k] += d;
    }
  });
  // The ridge toward (s·1, 0), in units of s.
  double ridge = 0;
  const double lam = regularization_ / classes, s = scale_;
  for (std::size_t k = 0; k < c; ++k) {
    const double dw = w[k] / s - 1, db = b[k] / s;
    ridge += 0.5 * lam * (dw * dw + db * db);
    grad[k] += lam * dw / s;
    grad[c + k] += lam * db / s;
  }
  if (kl) *kl = kl_term;
  return kl_term + ridge;
}

double automatic_platt_scale(const Tensor& probs) {
  const std::int64_t n = probs.dim(0), c = probs.dim(1);
  const float* p = probs.data<float>();
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += *std::max_element(p + i * c, p + (i + 1) * c);
  SWAG_CHECK(sum > 0, "all-zero probabilities");
  return 20.0 * static_cast<double>(n) / sum;
}

PlattFit fit_platt(const Tensor& probs, const PlattOptions& options) {
  PlattFit fit;
  fit.scale = options.scale > 0 ? options.scale : automatic_platt_scale(probs);
  fit.regularization = options.regularization;
  const PlattObjective objective(probs, fit.scale, fit.regularization);
  const auto c = static_cast<std::size_t>(objective.classes());
  std::vector<double> theta0(2 * c, 0.0);
  std::fill_n(theta0.begin(), c, fit.scale);
  LbfgsOptions lo;
  lo.max_iterations = options.max_iterations;
  lo.gradient_tolerance = options.gradient_tolerance;
  const LbfgsResult r =
      minimize_lbfgs([&objective](std::span<const double> x,
                                  std::span<double> g) { return objective.evaluate(x, g); },
                     std::move(theta0), lo);
  std::vector<double> grad(2 * c);
  fit.objective = objective.evaluate(r.x, grad, &fit.kl);
  fit.scaler.w.assign(r.x.begin(), r.x.begin() + static_cast<std::ptrdiff_t>(c));
  fit.scaler.b.assign(r.x.begin() + static_cast<std::ptrdiff_t>(c), r.x.end());
  fit.iterations = r.iterations;
  fit.gradient_max = r.gradient_max;
  fit.converged = r.converged;
  return fit;
}

void check_probability_rows(const Tensor& probs, std::string_view where) {
  if (probs.rank() != 2 || probs.dim(0) < 1 || probs.dim(1) < 2)
    fail(ExitCode::input, "{} has shape {}, expected [N, C] with N >= 1, C >= 2", where,
         shape_str(probs.shape()));
  const std::int64_t n = probs.dim(0), c = probs.dim(1);
  const float* p = probs.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (std::int64_t k = 0; k < c; ++k) {
      const float v = p[i * c + k];
      if (!std::isfinite(v) || v < 0)
        fail(ExitCode::input, "{}[{}, {}] = {} is not a probability", where, i, k, v);
      sum += v;
    }
    if (std::abs(sum - 1.0) > 1e-3)
      fail(ExitCode::input, "{} row {} sums to {}, expected 1", where, i, sum);
  }
}

std::vector<std::int64_t> argmax_histogram(const Tensor& scores) {
  const std::int64_t n = scores.dim(0), c = scores.dim(1);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(c), 0);
  const float* s = scores.data<float>();
  for (std::int64_t i = 0; i < n; ++i)
    ++counts[static_cast<std::size_t>(std::max_element(s + i * c, s + (i + 1) * c) - (s + i * c))];
  return counts;
}

}  // namespace swag::eval
