// RegNetY as torchvision builds it: stem (3x3 stride-2 conv to 32 channels, BN, ReLU), four
// stages of ResBottleneckBlocks from the design space, global average pooling, and fc.
// Parameter names are torchvision's (stem.0.weight, trunk_output.block1.block1-0.f.a.0.weight,
// fc.weight, ...).
#pragma once
#include <vector>

#include "swag/nn/conv_bn.hpp"
#include "swag/nn/model.hpp"
#include "swag/nn/regnet_design.hpp"
#include "swag/nn/res_bottleneck_block.hpp"
#include "swag/ops/linear.hpp"

namespace swag::nn {

class RegNet final : public Model {
 public:
  RegNet(const std::string& name, const RegNetDesign& design, const ModelDims& dims);
  std::vector<StageInfo> stages() const override { return stages_; }
  bool in_head(const std::string& name) const override { return name.starts_with("fc."); }
  const Tensor& trunk_features() const override { return pooled_; }  // global average pool
  const Tensor& forward_layers(const Tensor& images, bool train) override;
  void backward_layers(const Tensor& dlogits) override;

 private:
  void allocate_layers(const Placement& at) override;
  // c and d hold only the gradients between blocks (d_even_, d_odd_): the largest block input
  // or output, smaller than the largest activation (a first block's 1x1 conv output, at its
  // stage's input resolution), which a, b and e hold.
  ScratchSizes scratch_sizes() const override {
    const std::int64_t m = stats().max_activation;
    return {m, m, boundary_elements_, boundary_elements_, m};
  }

  ConvBn stem_;
  std::vector<ResBottleneckBlock> blocks_;
  std::vector<int> block_first_param_;  // index of each block's first parameter
  std::vector<StageInfo> stages_;
  ops::LinearDesc fc_;
  int fc_weight_, fc_bias_;
  Tensor pooled_, logits_, d_pooled_;
  Tensor d_even_, d_odd_;           // ping-pong gradients between blocks: scratch c and d
  std::int64_t boundary_elements_;  // the largest block input or output, whole batch
  const Tensor* images_ = nullptr;
};

}  // namespace swag::nn
