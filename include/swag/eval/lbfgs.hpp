// Full-batch L-BFGS (Nocedal & Wright, Alg. 7.4 and 7.5) with a backtracking Armijo line
// search, for the small smooth problems of eval/ (Platt scaling: 2C unknowns). Deterministic:
// the same function and start give the same iterates.
#pragma once
#include <functional>
#include <span>
#include <vector>

namespace swag::eval {

// Returns f(x) and writes the gradient into grad (same size as x).
using Objective = std::function<double(std::span<const double> x, std::span<double> grad)>;

struct LbfgsOptions {
  int memory = 10;                   // correction pairs kept
  int max_iterations = 1000;         // the cap on accepted steps
  double gradient_tolerance = 1e-9;  // converged when max_i |grad_i| <= this
};

struct LbfgsResult {
  std::vector<double> x;
  double value = 0;
  double gradient_max = 0;  // max_i |grad_i| at x
  int iterations = 0;       // accepted steps
  int evaluations = 0;      // calls of the objective
  bool converged = false;   // the gradient test passed (else: the cap, or no further decrease)
};

LbfgsResult minimize_lbfgs(const Objective& f, std::vector<double> x0,
                           const LbfgsOptions& options = {});

}  // namespace swag::eval
