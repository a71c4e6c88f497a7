// torchvision's ResBottleneckBlock: 1x1 conv (a), grouped 3x3 conv with the stride (b),
// squeeze-and-excitation on the bottleneck (se), 1x1 conv (c), plus the shortcut (identity, or a
// strided 1x1 projection when the shape changes), then ReLU.
#pragma once
#include <optional>
#include <string>

#include "swag/nn/conv_bn.hpp"
#include "swag/nn/squeeze_excitation_layer.hpp"

namespace swag::nn {

struct BlockShape {
  std::int64_t height, width;  // input spatial size
  std::int64_t width_in, width_out;
  int stride;
  std::int64_t group_width;
  double bottleneck, se_ratio;
};

class ResBottleneckBlock {
 public:
  ResBottleneckBlock(BuildContext& ctx, const std::string& prefix, const BlockShape& shape);
  // The output comes from `at`, the activations inside the block from `inner` (the same
  // placement, or the arena of activation recomputation).
  void allocate(const ParameterStore& params, const ParameterStore& buffers, const Scratch& scratch,
                const Placement& at, const Placement& inner);
  const Tensor& forward(const Tensor& x, Pass pass);
  // dx receives the gradient of x (overwritten). Uses the model scratch a and b (and e, in the
  // convolutions), never the buffers holding dout or dx.
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);
  const Tensor& output() const { return out_; }
  std::int64_t groups() const { return b_.conv_desc().groups; }

 private:
  ConvBn a_, b_;
  std::optional<SqueezeExcitationLayer> se_;
  ConvBn c_;
  std::optional<ConvBn> proj_;
  Tensor out_;
  // Views of the model's gradient scratch, fixed at allocation: gradients at the residual sum,
  // c's input, b's output, a's output, and the block input through the residual branch.
  Tensor d_sum_, d_c_in_, d_b_out_, d_a_out_, d_x_branch_;
};

}  // namespace swag::nn
