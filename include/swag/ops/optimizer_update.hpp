// Optimizer updates over slices of the flat parameter and gradient buffers.
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct SgdUpdate {
  float lr = 0.1f, momentum = 0.9f, weight_decay = 0.0f;
  bool nesterov = true;
  bool first_step = false;  // the momentum buffer starts as the first gradient (PyTorch)
};

// PyTorch's SGD: g = grad + wd * p; buf = momentum * buf + g (buf = g on the first step);
// g = g + momentum * buf if nesterov else buf; p -= lr * g.
void sgd_update(const SgdUpdate& u, Tensor& param, const Tensor& grad, Tensor& momentum_buffer);

struct AdamWUpdate {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
  std::int64_t step = 1;  // 1-based count of updates, for the bias corrections
};

// PyTorch's AdamW: p *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
void adamw_update(const AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m, Tensor& v);

// Sum of squares of a flat buffer, in double, deterministic; NaN or Inf propagate.
double sum_of_squares(const Tensor& x);
// x *= factor.
void scale(Tensor& x, float factor);

// The weight EMA (train/weight_average.hpp): average = keep * average + take * current, with
// keep = float(1 - weight) and take = float(weight), element by element.
void ema_update(Tensor& average, const Tensor& current, double weight);
// Exchanges the values of two buffers of the same size on the same device.
void swap_values(Tensor& a, Tensor& b);

}  // namespace swag::ops
