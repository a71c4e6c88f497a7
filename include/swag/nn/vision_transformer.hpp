// The Vision Transformer as torchvision builds it (Dosovitskiy et al. 2021): a stride-p patch
// convolution (conv_proj), the class token and learned position embedding, pre-LN encoder
// blocks, a final LayerNorm (encoder.ln), and the head on the class token: heads.head, preceded
// with ModelDims::pre_logits by heads.pre_logits and tanh (torchvision's representation_size
// = D). Parameter names are torchvision's state_dict keys. The final LayerNorm is evaluated on
// the class token only, the one row the head reads.
#pragma once
#include <optional>
#include <vector>

#include "swag/nn/encoder_block.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/linear.hpp"

namespace swag::nn {

struct VitDesign {
  int patch, layers, heads;
  std::int64_t hidden, mlp;
};

class VisionTransformer final : public Model {
 public:
  VisionTransformer(const std::string& name, const VitDesign& design, const ModelDims& dims);
  // One stage: {width D, depth = layers, groups = heads}.
  std::vector<StageInfo> stages() const override;
  // heads.head and the pre-training heads.pre_logits.
  bool in_head(const std::string& name) const override { return name.starts_with("heads."); }
  // The class token after the final LayerNorm.
  const Tensor& trunk_features() const override { return ln_->output(); }
  const Tensor& forward_layers(const Tensor& images, bool train) override;
  void backward_layers(const Tensor& dlogits) override;
  bool resolution_dependent(const std::string& name) const override;
  void adapt_to_resolution(const std::string& name, const Tensor& stored,
                           Tensor& param) const override;

 private:
  void allocate_layers(const Placement& at) override;
  ScratchSizes scratch_sizes() const override;

  VitDesign design_;
  std::int64_t tokens_;
  ops::Conv2dDesc conv_;
  int class_token_, conv_w_, conv_b_, pos_;
  std::vector<EncoderBlock> blocks_;
  std::optional<LayerNormLayer> ln_;  // declared after the blocks, as in torchvision
  ops::LinearDesc pre_logits_, head_;
  int pre_w_ = -1, pre_b_ = -1, head_w_, head_b_;
  // Activations: patch-embedding output [B, g, g, D], tokens [B*T, D], the class token's final
  // features [B, D], the pre-logits [B, D], logits [B, C].
  Tensor patches_, tokens_in_, class_out_, pre_, logits_;
  // Gradients: ping-pong between blocks [B*T, D]; at the head's input and at the final LN's
  // input and output [B, D].
  Tensor d_even_, d_odd_, d_features_, d_ln_out_, d_class_out_;
  const Tensor* images_ = nullptr;
};

// Carrying a ViT's learned position embedding to another resolution, exactly as torchvision
// 0.14's interpolate_embeddings does when a checkpoint is loaded for other image sizes: the class
// token's row is kept; the g0 x g0 grid rows are resized to g x g by
// F.interpolate(mode="bicubic", align_corners=True) per feature. stored [1, 1 + g0*g0, D] ->
// resized [1, 1 + g*g, D] (resized's shape gives g). A stored grid that is not square is an
// input error.
void resize_position_embedding(const Tensor& stored, Tensor& resized);

}  // namespace swag::nn
