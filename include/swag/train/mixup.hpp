// Mixup (Zhang et al., 2018) as the paper fine-tunes with it (§4.1, α = 0.1): each step draws
// λ ~ Beta(α, α) and mixes every sample of the rank's batch with the next one (cyclically),
// images and soft targets alike: x_i <- λ x_i + (1 - λ) x_{i+1}.
#pragma once
#include <cstdint>

#include "swag/core/rng.hpp"
#include "swag/core/tensor.hpp"

namespace swag::train {

// Gamma(shape, 1) by Marsaglia and Tsang (2000), with the U^(1/a) boost for shape < 1.
double gamma_sample(Rng& rng, double shape);
// Beta(alpha, alpha) as X / (X + Y) of two Gamma(alpha) draws.
double beta_sample(Rng& rng, double alpha);
// λ of a step: a pure function of (seed, step, rank).
float mixup_lambda(std::uint64_t seed, std::int64_t step, int rank, double alpha);

// Mixes in place: images [B, ...] and targets [B, C] (B >= 1).
void mixup(Tensor& images, Tensor& targets, float lambda);

}  // namespace swag::train
