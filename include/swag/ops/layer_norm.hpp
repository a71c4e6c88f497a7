// Layer normalization over the last axis of a [rows, features] activation (a ViT's tokens), with
// a per-feature affine transform: y = (x - mean) / sqrt(var + eps) * gamma + beta, where mean
// and the biased variance are taken over each row.
//
// x, y, dy and dx share one storage type, f32, bf16 or f16 (doc/mixed_precision.md); gamma,
// beta, mean, rstd, dgamma and dbeta are always f32. The arithmetic is the f32 path's, on the
// loaded values, with each 16-bit output rounded once.
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct LayerNormDesc {
  std::int64_t rows = 1, features = 1;
  float eps = 1e-6f;  // torchvision's ViT
};

// Writes y and each row's statistics, mean [rows] and rstd = 1 / sqrt(var + eps) [rows], which
// the backward pass reads.
void layer_norm_forward(const LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd);
// Overwrites dx (which must not alias dy), dgamma and dbeta.
void layer_norm_backward(const LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta);

}  // namespace swag::ops
