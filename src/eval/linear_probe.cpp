#include "swag/eval/linear_probe.hpp"

#include <algorithm>
#include <cmath>

#include "swag/core/error.hpp"
#include "swag/eval/lbfgs.hpp"

namespace swag::eval {
namespace {

// Standardized copy of row i into x.
void standardize(const LinearProbe& p, const float* row, std::vector<double>& x) {
  for (std::int64_t k = 0; k < p.dim; ++k) x[k] = (row[k] - p.mean[k]) * p.inv_std[k];
}

}  // namespace

Tensor LinearProbe::scores(const Tensor& features) const {
  SWAG_CHECK(features.shape().size() == 2 && features.dim(1) == dim,
             "linear probe of dimension {}: features {}", dim, shape_str(features.shape()));
  const std::int64_t n = features.dim(0);
  Tensor out = Tensor::empty({n, classes});
  std::vector<double> x(static_cast<std::size_t>(dim));
  for (std::int64_t i = 0; i < n; ++i) {
    standardize(*this, features.data<float>() + i * dim, x);
    for (std::int64_t c = 0; c < classes; ++c) {
      double z = bias[c];
      const double* w = weight.data() + c * dim;
      for (std::int64_t k = 0; k < dim; ++k) z += w[k] * x[k];
      out.data<float>()[i * classes + c] = static_cast<float>(z);
    }
  }
  return out;
}

LinearProbe fit_linear_probe(const Tensor& features, std::span<const std::int32_t> labels,
                             std::int64_t classes, const dist::Communicator& comm,
                             const LinearProbeOptions& o) {
  const std::int64_t n = features.dim(0), d = features.dim(1);
  SWAG_CHECK(static_cast<std::int64_t>(labels.size()) == n, "linear probe: {} rows, {} labels", n,
             labels.size());
  LinearProbe p;
  p.classes = classes;
  p.dim = d;
  // Standardization from the labelled rows (identical on every rank: all ranks hold all rows).
  p.mean.assign(static_cast<std::size_t>(d), 0.0);
  p.inv_std.assign(static_cast<std::size_t>(d), 0.0);
  std::int64_t used = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0) continue;
    ++used;
    for (std::int64_t k = 0; k < d; ++k) p.mean[k] += features.data<float>()[i * d + k];
  }
  if (used == 0) fail(ExitCode::input, "linear probe: no labelled training images");
  for (auto& m : p.mean) m /= static_cast<double>(used);
  for (std::int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0) continue;
    for (std::int64_t k = 0; k < d; ++k) {
      const double v = features.data<float>()[i * d + k] - p.mean[k];
      p.inv_std[k] += v * v;
    }
  }
  for (auto& s : p.inv_std) {
    const double sd = std::sqrt(s / static_cast<double>(used));
    s = sd > 1e-12 ? 1.0 / sd : 0.0;  // a constant feature carries nothing
  }

  // This rank's rows.
  const std::int64_t first = n * comm.rank() / comm.size(),
                     last = n * (comm.rank() + 1) / comm.size();
  const std::int64_t unknowns = classes * d + classes;
  std::vector<double> x(static_cast<std::size_t>(d)), z(static_cast<std::size_t>(classes)),
      sums(static_cast<std::size_t>(unknowns + 1));
  const Objective objective = [&](std::span<const double> theta, std::span<double> grad) {
    std::fill(sums.begin(), sums.end(), 0.0);  // gradient sums, then the loss sum
    const double* w = theta.data();
    const double* b = theta.data() + classes * d;
    for (std::int64_t i = first; i < last; ++i) {
      if (labels[i] < 0) continue;
      standardize(p, features.data<float>() + i * d, x);
      double top = -1e300;
      for (std::int64_t c = 0; c < classes; ++c) {
        double v = b[c];
        for (std::int64_t k = 0; k < d; ++k) v += w[c * d + k] * x[k];
        z[c] = v;
        top = std::max(top, v);
      }
      double total = 0;
      for (std::int64_t c = 0; c < classes; ++c) total += std::exp(z[c] - top);
      sums[unknowns] += std::log(total) + top - z[labels[i]];
      for (std::int64_t c = 0; c < classes; ++c) {
        const double g = std::exp(z[c] - top) / total - (c == labels[i] ? 1.0 : 0.0);
        for (std::int64_t k = 0; k < d; ++k) sums[c * d + k] += g * x[k];
        sums[classes * d + c] += g;
      }
    }
    comm.allreduce_sum(sums.data(), static_cast<std::int64_t>(sums.size()));
    const double inv_n = 1.0 / static_cast<double>(used);
    double penalty = 0;
    for (std::int64_t j = 0; j < unknowns; ++j) grad[j] = sums[j] * inv_n;
    for (std::int64_t j = 0; j < classes * d; ++j) {
      grad[j] += o.weight_decay * w[j];
      penalty += w[j] * w[j];
    }
    return sums[unknowns] * inv_n + 0.5 * o.weight_decay * penalty;
  };
  LbfgsOptions lo;
  lo.max_iterations = o.max_iterations;
  lo.gradient_tolerance = o.gradient_tolerance;
  const auto r =
      minimize_lbfgs(objective, std::vector<double>(static_cast<std::size_t>(unknowns)), lo);
  p.weight.assign(r.x.begin(), r.x.begin() + classes * d);
  p.bias.assign(r.x.begin() + classes * d, r.x.end());
  p.iterations = r.iterations;
  p.converged = r.converged;
  p.objective = r.value;
  return p;
}

}  // namespace swag::eval
