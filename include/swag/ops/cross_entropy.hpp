// Softmax cross-entropy against soft targets (rows of targets sum to 1, e.g. 1/K on each of an
// image's K hashtags): loss = -(1/M) sum_i sum_c t_ic log softmax(z_i)_c.
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

// logits, targets: [M, C]; logits and dlogits f32, bf16 or f16 (the activations' type), targets
// and probs f32. Writes the softmax probabilities into probs [M, C]; returns the loss.
double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs);
// dlogits = scale * (probs - targets) / M; scale is the upstream gradient of the loss.
void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits);

}  // namespace swag::ops
