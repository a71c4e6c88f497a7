// Platt scaling for zero-shot transfer (paper 4.4): p' = softmax(w ⊙ p + b), fitted on
// unlabelled probabilities so that the predicted classes become uniform, with a ridge toward
// the plain scaler (w = s·1, b = 0); minimized by L-BFGS. The objective: doc/zeroshot.md.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "swag/core/tensor.hpp"

namespace swag::eval {

struct PlattOptions {
  double scale = 0;  // s; 0: automatic, s = 20 / mean_i max_c p_ic (top logit ~20 at the start)
  double regularization = 1e-3;      // λ
  int max_iterations = 1000;         // L-BFGS iterations
  double gradient_tolerance = 1e-9;  // converged when max |∂J| <= this
};

struct PlattScaler {
  std::vector<double> w, b;  // C each

  // softmax(w ⊙ p + b) of each row of probs (float32 [N, C]), as float32 [N, C].
  Tensor apply(const Tensor& probs) const;
};

struct PlattFit {
  PlattScaler scaler;
  double objective = 0;  // J at the solution
  double kl = 0;         // its first term, KL(u || q)
  double scale = 0, regularization = 0;
  int iterations = 0;
  double gradient_max = 0;  // max |∂J| at the solution
  bool converged = false;   // the gradient tolerance was met
};

// J and its gradient for probs (float32 [N, C]); theta = (w, b), 2C values. Deterministic:
// rows are summed in a fixed order, in double precision.
class PlattObjective {
 public:
  PlattObjective(const Tensor& probs, double scale, double regularization);
  std::int64_t classes() const { return c_; }
  // Returns J and writes ∂J/∂theta into grad; kl, when given, receives the KL term.
  double evaluate(std::span<const double> theta, std::span<double> grad,
                  double* kl = nullptr) const;

 private:
  const float* p_;
  std::int64_t n_, c_;
  double scale_, regularization_;
};

// 20 / mean_i max_c p_ic: the automatic scale s.
double automatic_platt_scale(const Tensor& probs);

PlattFit fit_platt(const Tensor& probs, const PlattOptions& options = {});

// Input checks for probability rows, errors (exit 4) naming `where` (e.g. "P.h5: /probs"):
// float32 [N, C] with N >= 1 and C >= 2, finite, non-negative, rows summing to 1 within 1e-3.
void check_probability_rows(const Tensor& probs, std::string_view where);

// How many rows have their largest value in each column (ties: the lowest column).
std::vector<std::int64_t> argmax_histogram(const Tensor& scores);

}  // namespace swag::eval
