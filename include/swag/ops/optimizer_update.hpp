// Optimizer updates over slices of the flat parameter and gradient buffers.
#pragma once
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

}  // namespace swag::ops
