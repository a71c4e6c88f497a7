#include "swag/nn/vision_transformer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "swag/ops/elementwise.hpp"
#include "swag/ops/token_embedding.hpp"

namespace swag::nn {
namespace {

constexpr const char* kPosEmbedding = "encoder.pos_embedding";

std::int64_t grid(const VitDesign& v, const ModelDims& d) {
  if (d.resolution % v.patch != 0)
    fail(ExitCode::usage, "ViT with {}x{} patches: resolution {} is not a multiple of {}", v.patch,
         v.patch, d.resolution, v.patch);
  return d.resolution / v.patch;
}

}  // namespace

VisionTransformer::VisionTransformer(const std::string& name, const VitDesign& v,
                                     const ModelDims& dims)
    : Model(name, dims), design_(v), tokens_(grid(v, dims) * grid(v, dims) + 1) {
  SWAG_CHECK(v.hidden % v.heads == 0, "ViT {}: width {} over {} heads", name, v.hidden, v.heads);
  BuildContext ctx = context();
  const std::int64_t d = v.hidden, b = dims.batch;
  conv_ = {b, 3, d, dims.resolution, dims.resolution, v.patch, v.patch, 0, 1, true};
  // torchvision's initialization: class token zeros; the patch projection truncated LeCun normal
  // (std sqrt(1 / fan_in), cut at +-2 absolute as nn.init.trunc_normal_) with zero bias; the
  // position embedding N(0, 0.02).
  class_token_ = params().add("class_token", {1, 1, d}, Init::constant_value(0.0f));
  const auto fan_in = static_cast<float>(3 * v.patch * v.patch);
  conv_w_ = params().add("conv_proj.weight", conv_.weight_shape(),
                         Init::truncated_normal_abs(std::sqrt(1.0f / fan_in)));
  conv_b_ = params().add("conv_proj.bias", {d}, Init::constant_value(0.0f));
  pos_ = params().add(kPosEmbedding, {1, tokens_, d}, Init::normal(0.02f));
  ctx.stats.add_conv(conv_);
  blocks_.reserve(static_cast<std::size_t>(v.layers));
  for (int i = 0; i < v.layers; ++i)
    blocks_.emplace_back(ctx, fmt::format("encoder.layers.encoder_layer_{}", i),
                         EncoderShape{b, tokens_, d, v.heads, v.mlp});
  ln_.emplace(ctx, "encoder.ln", ops::LayerNormDesc{b, d});
  if (dims.pre_logits) {
    pre_logits_ = {b, d, d, true};
    pre_w_ = params().add("heads.pre_logits.weight", {d, d},
                          Init::truncated_normal_abs(std::sqrt(1.0f / static_cast<float>(d))));
    pre_b_ = params().add("heads.pre_logits.bias", {d}, Init::constant_value(0.0f));
    ctx.stats.add_linear(pre_logits_);
  }
  head_ = {b, d, dims.num_classes, true};
  head_w_ = params().add("heads.head.weight", {dims.num_classes, d}, Init::constant_value(0.0f));
  head_b_ = params().add("heads.head.bias", {dims.num_classes}, Init::constant_value(0.0f));
  ctx.stats.add_linear(head_);
}

std::vector<StageInfo> VisionTransformer::stages() const {
  return {{design_.hidden, design_.layers, design_.heads}};
}

// Which layer takes which view (encoder_block, self_attention_layer, mlp_layer and the patch
// gradient below): a, the gradients at ln_1's output, the attention context and the MLP's hidden
// layer; b, at ln_2's output and the attention probabilities; c, at x1; d, at qkv; e, none. At
// high resolution the probabilities, (B, H, T, T), dwarf the rest.
ScratchSizes VisionTransformer::scratch_sizes() const {
  const std::int64_t rows = dims().batch * tokens_, d = design_.hidden;
  const std::int64_t probs = dims().batch * design_.heads * tokens_ * tokens_;
  return {rows * std::max(d, design_.mlp), std::max(probs, rows * d), rows * d, rows * 3 * d, 0};
}

void VisionTransformer::allocate_layers(const Placement& at) {
  allocate_blocks(at, blocks_.size(),
                  [&](std::size_t i, const Placement& out, const Placement& in) {
                    blocks_[i].allocate(params(), scratch(), out, in);
                  });
  ln_->allocate(params(), at);
  const std::int64_t b = dims().batch, d = design_.hidden;
  auto make = [&](const Shape& s) { return at.activation(s); };
  patches_ = make(conv_.output_shape());
  tokens_in_ = make({b * tokens_, d});
  class_out_ = make({b, d});
  if (dims().pre_logits) pre_ = make({b, d});
  logits_ = make({b, dims().num_classes});
  d_even_ = make({b * tokens_, d});
  d_odd_ = make({b * tokens_, d});
  d_features_ = make({b, d});
  d_ln_out_ = make({b, d});
  d_class_out_ = make({b, d});
}

const Tensor& VisionTransformer::forward_layers(const Tensor& images, bool /*train*/) {
  images_ = &images;
  const std::int64_t b = dims().batch, d = design_.hidden;
  const Tensor conv_b = params().compute_value(conv_b_);
  ops::conv2d_forward(conv_, images, params().compute_value(conv_w_), &conv_b, patches_);
  Tensor tokens = tokens_in_.reshape({b, tokens_, d});
  ops::token_embedding_forward(patches_.reshape({b, tokens_ - 1, d}),
                               params().compute_value(class_token_).reshape({d}),
                               params().compute_value(pos_).reshape({tokens_, d}), tokens);
  const Tensor* x = &tokens_in_;
  for (auto& blk : blocks_) x = &blk.forward(*x);
  ops::class_token_output_forward(x->reshape({b, tokens_, d}), class_out_);
  const Tensor* features = &ln_->forward(class_out_);
  if (dims().pre_logits) {
    const Tensor pre_b = params().compute_value(pre_b_);
    ops::linear_forward(pre_logits_, *features, params().compute_value(pre_w_), &pre_b, pre_);
    ops::tanh_forward(pre_, pre_);
    features = &pre_;
  }
  const Tensor head_b = params().compute_value(head_b_);
  ops::linear_forward(head_, *features, params().compute_value(head_w_), &head_b, logits_);
  return logits_;
}

void VisionTransformer::backward_layers(const Tensor& dlogits) {
  SWAG_CHECK(images_ != nullptr, "backward before forward");
  const std::int64_t b = dims().batch, d = design_.hidden;
  const ParameterStore& p = params();
  Tensor dw = p.grad(head_w_), db = p.grad(head_b_);
  const Tensor& features = dims().pre_logits ? pre_ : ln_->output();
  ops::linear_backward(head_, features, p.compute_value(head_w_), dlogits, &d_features_, dw, &db);
  const Tensor* d_ln_out = &d_features_;
  if (dims().pre_logits) {
    ops::tanh_backward(pre_, d_features_, d_features_);
    Tensor dpw = p.grad(pre_w_), dpb = p.grad(pre_b_);
    ops::linear_backward(pre_logits_, ln_->output(), p.compute_value(pre_w_), d_features_,
                         &d_ln_out_, dpw, &dpb);
    d_ln_out = &d_ln_out_;
  }
  gradients_ready_from(dims().pre_logits ? pre_w_ : head_w_);
  ln_->backward(class_out_, *d_ln_out, d_class_out_);
  gradients_ready_from(ln_->first_param());

  // Gradient of each block's output, alternating between two buffers.
  Tensor dout = d_even_;
  Tensor dout_tokens = dout.reshape({b, tokens_, d});
  ops::class_token_output_backward(d_class_out_, dout_tokens);
  for (std::size_t i = blocks_.size(); i-- > 0;) {
    const Tensor& x = i == 0 ? tokens_in_ : blocks_[i - 1].output();
    Tensor dx = (blocks_.size() - i) % 2 ? d_odd_ : d_even_;
    if (replays_block(i, blocks_.size())) blocks_[i].forward(x);
    blocks_[i].backward(x, dout, dx);
    gradients_ready_from(blocks_[i].first_param());
    dout = dx;
  }

  Tensor dpatches = view_as(scratch().a, conv_.output_shape());
  Tensor dpatch_tokens = dpatches.reshape({b, tokens_ - 1, d});
  Tensor dclass = p.grad(class_token_).reshape({d}), dpos = p.grad(pos_).reshape({tokens_, d});
  ops::token_embedding_backward(dout.reshape({b, tokens_, d}), dpatch_tokens, dclass, dpos);
  Tensor dconv_w = p.grad(conv_w_), dconv_b = p.grad(conv_b_);
  ops::conv2d_backward(conv_, *images_, p.compute_value(conv_w_), dpatches, nullptr, dconv_w,
                       &dconv_b);
  gradients_ready_from(0);
}

bool VisionTransformer::resolution_dependent(const std::string& name) const {
  return name == kPosEmbedding;
}

void VisionTransformer::adapt_to_resolution(const std::string& name, const Tensor& stored,
                                            Tensor& param) const {
  SWAG_CHECK(resolution_dependent(name), "'{}' does not depend on the resolution", name);
  resize_position_embedding(stored, param);
}

// Bicubic resampling as PyTorch's CPU upsample_bicubic2d computes it in float: Keys' cubic
// convolution with A = -0.75, source coordinate x_out * (in - 1) / (out - 1) (align_corners),
// taps at floor(x) - 1 .. floor(x) + 2 clamped to the grid, rows interpolated first and the
// four row results combined with the vertical weights, each sum in tap order.
namespace {

struct Taps {
  std::array<std::int64_t, 4> index;
  std::array<float, 4> weight;
};

float cubic_near(float x, float a) {  // |x| <= 1
  return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
}
float cubic_far(float x, float a) {  // 1 < |x| < 2
  return ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
}

std::vector<Taps> taps(std::int64_t in, std::int64_t out) {
  constexpr float kA = -0.75f;
  const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  std::vector<Taps> result(static_cast<std::size_t>(out));
  for (std::int64_t i = 0; i < out; ++i) {
    const float real = scale * static_cast<float>(i);
    const std::int64_t base = std::min(static_cast<std::int64_t>(std::floor(real)), in - 1);
    const float t = std::min(std::max(real - static_cast<float>(base), 0.0f), 1.0f);
    Taps& tp = result[static_cast<std::size_t>(i)];
    tp.weight = {cubic_far(t + 1.0f, kA), cubic_near(t, kA), cubic_near(1.0f - t, kA),
                 cubic_far(2.0f - t, kA)};
    for (std::int64_t k = 0; k < 4; ++k)
      tp.index[k] = std::min(std::max(base - 1 + k, std::int64_t{0}), in - 1);
  }
  return result;
}

std::int64_t grid_side(std::int64_t tokens) {
  const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(tokens))));
  return side * side == tokens ? side : -1;
}

}  // namespace

void resize_position_embedding(const Tensor& stored, Tensor& resized) {
  SWAG_CHECK(resized.rank() == 3 && resized.dim(0) == 1 && resized.dim(1) >= 2,
             "position embedding of shape {}", shape_str(resized.shape()));
  const std::int64_t dim = resized.dim(2);
  if (stored.rank() != 3 || stored.dim(0) != 1 || stored.dim(2) != dim || stored.dim(1) < 2 ||
      grid_side(stored.dim(1) - 1) < 0)
    fail(ExitCode::input,
         "position embedding of shape {} is not [1, 1 + g*g, {}] for a square grid of g*g patches",
         shape_str(stored.shape()), dim);
  const std::int64_t in = grid_side(stored.dim(1) - 1), out = grid_side(resized.dim(1) - 1);
  SWAG_CHECK(out > 0, "position embedding of shape {} has no square grid",
             shape_str(resized.shape()));
  const float* src = stored.data<float>();
  float* dst = resized.data<float>();
  for (std::int64_t c = 0; c < dim; ++c) dst[c] = src[c];  // the class token's row
  src += dim;
  dst += dim;
  const std::vector<Taps> t = taps(in, out);
  std::vector<float> row(static_cast<std::size_t>(dim));
  for (std::int64_t y = 0; y < out; ++y)
    for (std::int64_t x = 0; x < out; ++x) {
      const Taps& ty = t[static_cast<std::size_t>(y)];
      const Taps& tx = t[static_cast<std::size_t>(x)];
      float* o = dst + (y * out + x) * dim;
      for (int ky = 0; ky < 4; ++ky) {
        const float* line = src + ty.index[ky] * in * dim;
        for (std::int64_t c = 0; c < dim; ++c) {
          float v = line[tx.index[0] * dim + c] * tx.weight[0];
          for (int kx = 1; kx < 4; ++kx) v += line[tx.index[kx] * dim + c] * tx.weight[kx];
          row[c] = v;
        }
        for (std::int64_t c = 0; c < dim; ++c)
          o[c] = ky == 0 ? row[c] * ty.weight[0] : o[c] + row[c] * ty.weight[ky];
      }
    }
}

}  // namespace swag::nn
