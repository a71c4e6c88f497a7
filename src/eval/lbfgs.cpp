#include "swag/eval/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace swag::eval {
namespace {

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(std::span<const double> a) {
  double m = 0;
  for (const double v : a) m = std::max(m, std::abs(v));
  return m;
}

struct Pair {
  std::vector<double> s, y;
  double rho;
};

// d = -H g by the two-loop recursion, H0 = (s'y / y'y) I from the newest pair.
std::vector<double> direction(const std::deque<Pair>& pairs, const std::vector<double>& g) {
  std::vector<double> q = g;
  std::vector<double> alpha(pairs.size());
  for (std::size_t k = pairs.size(); k-- > 0;) {
    alpha[k] = pairs[k].rho * dot(pairs[k].s, q);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] -= alpha[k] * pairs[k].y[i];
  }
  if (!pairs.empty()) {
    const Pair& last = pairs.back();
    const double gamma = 1.0 / (last.rho * dot(last.y, last.y));
    for (double& v : q) v *= gamma;
  }
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const double beta = pairs[k].rho * dot(pairs[k].y, q);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] += (alpha[k] - beta) * pairs[k].s[i];
  }
  for (double& v : q) v = -v;
  return q;
}

}  // namespace

LbfgsResult minimize_lbfgs(const Objective& f, std::vector<double> x0,
                           const LbfgsOptions& options) {
  constexpr double armijo = 1e-4;
  constexpr int max_backtracks = 60;
  LbfgsResult r;
  r.x = std::move(x0);
  const std::size_t n = r.x.size();
  std::vector<double> g(n), x_new(n), g_new(n);
  r.value = f(r.x, g);
  r.evaluations = 1;
  r.gradient_max = max_abs(g);
  std::deque<Pair> pairs;
  while (r.gradient_max > options.gradient_tolerance && r.iterations < options.max_iterations) {
    std::vector<double> d = direction(pairs, g);
    double slope = dot(d, g);
    if (!(slope < 0)) {  // lost positive definiteness numerically: restart from steepest descent
      pairs.clear();
      d = direction(pairs, g);
      slope = dot(d, g);
    }
    // Without curvature information the first step is scaled to length 1.
    double step = pairs.empty() ? std::min(1.0, 1.0 / std::sqrt(dot(g, g))) : 1.0;
    bool accepted = false;
    double value_new = 0;
    for (int k = 0; k < max_backtracks && !accepted; ++k) {
      for (std::size_t i = 0; i < n; ++i) x_new[i] = r.x[i] + step * d[i];
      value_new = f(x_new, g_new);
      ++r.evaluations;
      if (std::isfinite(value_new) && value_new <= r.value + armijo * step * slope) {
        accepted = true;
      } else if (std::isfinite(value_new)) {
        // Minimum of the quadratic through f(0), f'(0) and f(step), kept in [0.1, 0.5] * step.
        const double fit = -slope * step * step / (2 * (value_new - r.value - slope * step));
        step = std::clamp(fit, 0.1 * step, 0.5 * step);
      } else {
        step *= 0.1;
      }
    }
    if (!accepted) {
      if (pairs.empty()) break;  // not even steepest descent decreases f: as good as it gets
      pairs.clear();
      continue;
    }
    Pair p{std::vector<double>(n), std::vector<double>(n), 0};
    for (std::size_t i = 0; i < n; ++i) {
      p.s[i] = x_new[i] - r.x[i];
      p.y[i] = g_new[i] - g[i];
    }
    const double sy = dot(p.s, p.y);
    // Keep the pair only with positive curvature, so that H stays positive definite.
    if (sy > 1e-12 * dot(p.y, p.y)) {
      p.rho = 1.0 / sy;
      pairs.push_back(std::move(p));
      if (static_cast<int>(pairs.size()) > options.memory) pairs.pop_front();
    }
    r.x.swap(x_new);
    g.swap(g_new);
    r.value = value_new;
    r.gradient_max = max_abs(g);
    ++r.iterations;
  }
  r.converged = r.gradient_max <= options.gradient_tolerance;
  return r;
}

}  // namespace swag::eval
