// A transformer's MLP as torchvision's MLPBlock (Linear, GELU, Dropout, Linear, Dropout; dropout
// 0): y = fc2(gelu(fc1(x))), exact GELU, built from ops/linear and ops/elementwise. Parameters
// "<prefix>.0.{weight,bias}" (D -> hidden) and "<prefix>.3.{weight,bias}" (hidden -> D).
#pragma once
#include <cstdint>
#include <string>

#include "swag/core/tensor.hpp"
#include "swag/nn/build_context.hpp"

namespace swag::nn {

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

// x, y, dx, the weights w and the cache are in the activation type S; the weight gradients g
// are fp32 (ops/linear.hpp).
void mlp_forward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, MlpCache& c, Tensor& y);
// Overwrites dx and the weight gradients g (same layout as w).
void mlp_backward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, const MlpCache& c,
                  const Tensor& dy, Tensor& dx, MlpWeights& g);

// The layer: xavier-uniform weights and N(0, 1e-6) biases.
class MlpLayer {
 public:
  MlpLayer(BuildContext& ctx, const std::string& prefix, const MlpDesc& desc);
  // Backward's scratch: scratch.a (the hidden activation's gradient).
  void allocate(const ParameterStore& params, const Scratch& scratch, const Placement& at);
  void forward(const Tensor& x, Tensor& y);
  // dx and dout must not be in scratch.a.
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);

 private:
  MlpDesc desc_;
  int w1_, b1_, w2_, b2_;
  MlpWeights weights_, grads_;
  MlpCache cache_;
};

}  // namespace swag::nn
