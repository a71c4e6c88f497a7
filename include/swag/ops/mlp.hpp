// A transformer's MLP as torchvision's MLPBlock: y = fc2(gelu(fc1(x))), fc1: features -> hidden
// and fc2: hidden -> features, both with bias, GELU exact, no dropout. x, y, dx, the weights w and
// the cache are in the activation type S; the weight gradients g are fp32 (ops/linear.hpp).
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::ops {

struct MlpDesc {
  std::int64_t rows = 1, features = 1, hidden = 1;
};

struct MlpWeights {
  Tensor w1, b1;  // [hidden, features], [hidden]
  Tensor w2, b2;  // [features, hidden], [features]
};

// Kept from forward: fc1's output before (pre) and after (act) the GELU, each [rows, hidden];
// backward's scratch: dact [rows, hidden]; all in the activation storage type.
struct MlpCache {
  Tensor pre, act, dact;
  static MlpCache allocate(const MlpDesc& d, Device device, DType dtype = DType::f32);
};

void mlp_forward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, MlpCache& c, Tensor& y);
// Overwrites dx and the weight gradients g (same layout as w).
void mlp_backward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, const MlpCache& c,
                  const Tensor& dy, Tensor& dx, MlpWeights& g);

}  // namespace swag::ops
