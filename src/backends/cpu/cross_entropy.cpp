// Softmax cross-entropy against soft targets, one row per sample. Stable for any logit
// magnitude: exponents are taken of z - max(z) <= 0, so the row sum lies in [1, C]. Logits and
// dlogits have the activations' storage type T (float, bf16, f16), loaded to float and rounded
// once; targets and probabilities are fp32.
#include <vector>

#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cpu {

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs) {
  const std::int64_t m = logits.dim(0), c = logits.dim(1);
  const float* const tp = targets.data<float>();
  float* const pp = probs.data<float>();
  thread_local std::vector<double> row_loss;  // summed in row order below: deterministic
  if (row_loss.size() < static_cast<std::size_t>(m)) row_loss.resize(m);
  double* const lp = row_loss.data();
  visit_float_type(logits.dtype(), "softmax_cross_entropy_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const zp = logits.data<T>();
    host_for(
        "swag::softmax_cross_entropy_forward", m, KOKKOS_LAMBDA(std::int64_t i) {
          const T* z = zp + i * c;
          const float* t = tp + i * c;
          float* p = pp + i * c;
          float zmax = load(z[0]);
          for (std::int64_t j = 1; j < c; ++j) zmax = load(z[j]) > zmax ? load(z[j]) : zmax;
          double sum = 0.0;
          for (std::int64_t j = 0; j < c; ++j) {
            p[j] = kmath::exp(load(z[j]) - zmax);
            sum += p[j];
          }
          const double log_sum = kmath::log(sum);
          const float inv = static_cast<float>(1.0 / sum);
          double loss = 0.0;  // -sum_j t_j log softmax_j, with log softmax_j = z_j - zmax - log_sum
          for (std::int64_t j = 0; j < c; ++j) {
            p[j] *= inv;
            loss -= static_cast<double>(t[j]) * (static_cast<double>(load(z[j]) - zmax) - log_sum);
          }
          lp[i] = loss;
        });
  });
  double total = 0.0;
  for (std::int64_t i = 0; i < m; ++i) total += lp[i];
  return m > 0 ? total / static_cast<double>(m) : 0.0;
}

void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits) {
  const float* const pp = probs.data<float>();
  const float* const tp = targets.data<float>();
  const float k = scale / static_cast<float>(probs.dim(0));
  visit_float_type(dlogits.dtype(), "softmax_cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    T* const dp = dlogits.data<T>();
    host_for(
        "swag::softmax_cross_entropy_backward", probs.numel(),
        KOKKOS_LAMBDA(std::int64_t i) { dp[i] = store_as<T>(k * (pp[i] - tp[i])); });
  });
}

}  // namespace swag::cpu
