// Fully connected layer: y[M, N] = x[M, K] · w[N, K]ᵀ + b[N] (PyTorch's weight layout).
// x, w, b, y, dy and dx are in the activation storage type S (f32, bf16 or f16); dw and db are
// fp32 whatever S is (doc/mixed_precision.md). Sums accumulate in fp32 and each S output is
// rounded once.
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct LinearDesc {
  std::int64_t rows = 1, in_features = 1, out_features = 1;
  bool bias = true;
  bool operator==(const LinearDesc&) const = default;
};

void linear_forward(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
// Overwrites dw (and db); dx may be null.
void linear_backward(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);

}  // namespace swag::ops
