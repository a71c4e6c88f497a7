// nn.LayerNorm over the last axis of [rows, features] tokens: parameters "<prefix>.weight" (ones)
// and "<prefix>.bias" (zeros), without weight decay (as BatchNorm's).
#pragma once
#include <string>

#include "swag/nn/build_context.hpp"
#include "swag/ops/layer_norm.hpp"

namespace swag::nn {

class LayerNormLayer {
 public:
  LayerNormLayer(BuildContext& ctx, const std::string& prefix, const ops::LayerNormDesc& desc);
  void allocate(const ParameterStore& params, const Placement& at);
  const Tensor& forward(const Tensor& x);
  // dx must not alias dout.
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);
  const Tensor& output() const { return out_; }
  int first_param() const { return gamma_; }

 private:
  ops::LayerNormDesc desc_;
  int gamma_, beta_;
  Tensor g_, b_, dg_, db_, mean_, rstd_, out_;
};

}  // namespace swag::nn
