#include "swag/nn/regnet.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "swag/ops/pool.hpp"

namespace swag::nn {
namespace {

constexpr std::int64_t kStemWidth = 32;

ops::Conv2dDesc stem_conv(const ModelDims& d) {
  return {d.batch, 3, kStemWidth, d.resolution, d.resolution, 3, 2, 1, 1, false};
}

}  // namespace

RegNet::RegNet(const std::string& name, const RegNetDesign& design, const ModelDims& dims)
    : Model(name, dims), stem_([&]() -> ConvBn {
        BuildContext ctx = context();
        return ConvBn(ctx, "stem", stem_conv(dims), true);
      }()) {
  BuildContext ctx = context();
  std::int64_t width = kStemWidth;
  std::int64_t h = stem_.conv_desc().out_height(), w = stem_.conv_desc().out_width();
  boundary_elements_ = dims.batch * h * w * width;
  const auto stages = regnet_stages(design);
  blocks_.reserve(static_cast<std::size_t>(design.depth));
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const RegNetStage& st = stages[s];
    for (std::int64_t i = 0; i < st.depth; ++i) {
      const std::string prefix = fmt::format("trunk_output.block{}.block{}-{}", s + 1, s + 1, i);
      const int stride = i == 0 ? st.stride : 1;
      block_first_param_.push_back(static_cast<int>(params().entries().size()));
      blocks_.emplace_back(ctx, prefix,
                           BlockShape{h, w, width, st.width, stride, st.group_width, st.bottleneck,
                                      design.se_ratio});
      width = st.width;
      h = (h - 1) / stride + 1;
      w = (w - 1) / stride + 1;
      boundary_elements_ = std::max(boundary_elements_, dims.batch * h * w * width);
    }
    stages_.push_back({st.width, st.depth, blocks_.back().groups()});
  }
  fc_ = {dims.batch, width, dims.num_classes, true};
  // torchvision: fc weights N(0, 0.01), zero bias.
  fc_weight_ = params().add("fc.weight", {dims.num_classes, width}, Init::normal(0.01f));
  fc_bias_ = params().add("fc.bias", {dims.num_classes}, Init::constant_value(0.0f));
  ctx.stats.add_linear(fc_);
}

void RegNet::allocate_layers(const Placement& at) {
  stem_.allocate(params(), buffers(), scratch(), at);
  allocate_blocks(at, blocks_.size(),
                  [&](std::size_t i, const Placement& out, const Placement& in) {
                    blocks_[i].allocate(params(), buffers(), scratch(), out, in);
                  });
  pooled_ = at.activation({fc_.rows, fc_.in_features});
  d_pooled_ = at.activation({fc_.rows, fc_.in_features});
  logits_ = at.activation({fc_.rows, fc_.out_features});
  d_even_ = scratch().c;
  d_odd_ = scratch().d;
}

const Tensor& RegNet::forward_layers(const Tensor& images, bool train) {
  images_ = &images;
  const Pass pass = train ? Pass::train : Pass::eval;
  const Tensor* x = &stem_.forward(images, pass);
  for (auto& b : blocks_) x = &b.forward(*x, pass);
  ops::global_avg_pool_forward(*x, pooled_);
  const Tensor w = params().compute_value(fc_weight_), bias = params().compute_value(fc_bias_);
  ops::linear_forward(fc_, pooled_, w, &bias, logits_);
  return logits_;
}

void RegNet::backward_layers(const Tensor& dlogits) {
  SWAG_CHECK(images_ != nullptr, "backward before forward");
  Tensor dw = params().grad(fc_weight_), db = params().grad(fc_bias_);
  ops::linear_backward(fc_, pooled_, params().compute_value(fc_weight_), dlogits, &d_pooled_, dw,
                       &db);
  gradients_ready_from(fc_weight_);
  // Gradient of each block's output, alternating between two scratch buffers.
  Tensor dout = view_as(d_even_, blocks_.back().output().shape());
  ops::global_avg_pool_backward(d_pooled_, dout);
  for (std::size_t i = blocks_.size(); i-- > 0;) {
    const Tensor& x = i == 0 ? stem_.output() : blocks_[i - 1].output();
    Tensor dx = view_as((blocks_.size() - i) % 2 ? d_odd_ : d_even_, x.shape());
    if (replays_block(i, blocks_.size())) blocks_[i].forward(x, Pass::recompute);
    blocks_[i].backward(x, dout, dx);
    gradients_ready_from(block_first_param_[i]);
    dout = dx;
  }
  stem_.backward(*images_, dout, nullptr);
  gradients_ready_from(0);
}

}  // namespace swag::nn
