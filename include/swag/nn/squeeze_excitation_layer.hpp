// torchvision's SqueezeExcitation with 1x1 convolutions fc1 (C->S) and fc2 (S->C), both with
// bias: parameters "<prefix>.fc1.{weight,bias}", "<prefix>.fc2.{weight,bias}".
#pragma once
#include <string>

#include "swag/nn/build_context.hpp"
#include "swag/ops/squeeze_excitation.hpp"

namespace swag::nn {

class SqueezeExcitationLayer {
 public:
  SqueezeExcitationLayer(BuildContext& ctx, const std::string& prefix,
                         const ops::SqueezeExcitationDesc& desc);
  void allocate(const ParameterStore& params, const Placement& at);
  const Tensor& forward(const Tensor& x);
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);
  const Tensor& output() const { return out_; }

 private:
  ops::SqueezeExcitationDesc desc_;
  int w1_, b1_, w2_, b2_;
  ops::SqueezeExcitationWeights weights_, grads_;
  ops::SqueezeExcitationCache cache_;
  Tensor out_;
};

}  // namespace swag::nn
