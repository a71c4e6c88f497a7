// Linear probes (paper Tables 4, 6 and 7): a multinomial logistic regression on frozen trunk
// features, trained full-batch by L-BFGS on standardized features:
//   J(W, b) = (1/N) Σ_i CE(softmax(W x_i + b), y_i) + (λ/2) ||W||²
// The rows are split over the ranks and the sums all-reduced in double precision, so every rank
// takes the same deterministic steps.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "swag/dist/communicator.hpp"
#include "swag/eval/accuracy.hpp"

namespace swag::eval {

struct LinearProbeOptions {
  double weight_decay = 1e-4;  // λ
  int max_iterations = 500;
  double gradient_tolerance = 1e-6;
};

struct LinearProbe {
  std::int64_t classes = 0, dim = 0;
  std::vector<double> mean, inv_std;  // standardization of the training features
  std::vector<double> weight, bias;   // [classes, dim], [classes]
  int iterations = 0;
  bool converged = false;
  double objective = 0;

  // Scores [N, classes] (logits) of features [N, dim].
  Tensor scores(const Tensor& features) const;
};

// features [N, D] and labels (N entries, -1 ignored) are the same on every rank; each rank sums
// its share of the rows.
LinearProbe fit_linear_probe(const Tensor& features, std::span<const std::int32_t> labels,
                             std::int64_t classes, const dist::Communicator& comm,
                             const LinearProbeOptions& options = {});

}  // namespace swag::eval
