// torchvision's Conv2dNormActivation: convolution without bias, BatchNorm, optional ReLU.
// Parameters "<prefix>.0.weight" and "<prefix>.1.{weight,bias}", buffers
// "<prefix>.1.{running_mean,running_var}"; BN parameters carry no weight decay.
#pragma once
#include <string>

#include "swag/nn/build_context.hpp"
#include "swag/ops/batchnorm.hpp"
#include "swag/ops/conv2d.hpp"

namespace swag::nn {

class ConvBn {
 public:
  ConvBn(BuildContext& ctx, const std::string& prefix, const ops::Conv2dDesc& conv, bool relu);
  // Binds parameter views and allocates this layer's activations (stores must be allocated).
  // scratch.e holds the gradient at the convolution's output during backward.
  void allocate(const ParameterStore& params, const ParameterStore& buffers, const Scratch& scratch,
                const Placement& at);

  const Tensor& forward(const Tensor& x, Pass pass);
  // dout: gradient of output(); writes dx (if not null) and this layer's parameter gradients.
  void backward(const Tensor& x, const Tensor& dout, Tensor* dx);

  const Tensor& output() const { return out_; }
  const ops::Conv2dDesc& conv_desc() const { return conv_; }

 private:
  ops::Conv2dDesc conv_;
  ops::BatchNormDesc bn_;
  int weight_, gamma_, beta_, mean_, var_;
  Tensor w_, dw_, dgamma_, dbeta_;
  ops::BatchNormState state_;
  Tensor conv_out_, out_, dconv_;
};

}  // namespace swag::nn
