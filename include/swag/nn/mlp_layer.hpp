// torchvision's MLPBlock (Linear, GELU, Dropout, Linear, Dropout; dropout 0): parameters
// "<prefix>.0.{weight,bias}" (D -> hidden) and "<prefix>.3.{weight,bias}" (hidden -> D),
// xavier-uniform weights and N(0, 1e-6) biases.
#pragma once
#include <string>

#include "swag/nn/build_context.hpp"
#include "swag/ops/mlp.hpp"

namespace swag::nn {

class MlpLayer {
 public:
  MlpLayer(BuildContext& ctx, const std::string& prefix, const ops::MlpDesc& desc);
  // Backward's scratch: scratch.a (the hidden activation's gradient).
  void allocate(const ParameterStore& params, const Scratch& scratch, const Placement& at);
  void forward(const Tensor& x, Tensor& y);
  // dx and dout must not be in scratch.a.
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);

 private:
  ops::MlpDesc desc_;
  int w1_, b1_, w2_, b2_;
  ops::MlpWeights weights_, grads_;
  ops::MlpCache cache_;
};

}  // namespace swag::nn
