// torchvision's ViT EncoderBlock, pre-LN and without dropout:
// x1 = x + self_attention(ln_1(x)); out = x1 + mlp(ln_2(x1)). Tokens are [B*T, D] rows.
// Parameters "<prefix>.ln_1.*", "<prefix>.self_attention.*", "<prefix>.ln_2.*", "<prefix>.mlp.*".
#pragma once
#include <string>

#include "swag/nn/layer_norm_layer.hpp"
#include "swag/nn/mlp_layer.hpp"
#include "swag/nn/self_attention_layer.hpp"

namespace swag::nn {

struct EncoderShape {
  std::int64_t batch, tokens, dim, heads, mlp_dim;
};

class EncoderBlock {
 public:
  EncoderBlock(BuildContext& ctx, const std::string& prefix, const EncoderShape& shape);
  // The output comes from `at`, the activations inside the block from `inner` (the same
  // placement, or the arena of activation recomputation).
  void allocate(const ParameterStore& params, const Scratch& scratch, const Placement& at,
                const Placement& inner);
  const Tensor& forward(const Tensor& x);
  // dx receives the gradient of x (overwritten). Uses the model scratch a to d, never the
  // buffers holding dout or dx.
  void backward(const Tensor& x, const Tensor& dout, Tensor& dx);
  const Tensor& output() const { return out_; }
  int first_param() const { return ln_1_.first_param(); }

 private:
  LayerNormLayer ln_1_;
  SelfAttentionLayer attention_;
  LayerNormLayer ln_2_;
  MlpLayer mlp_;
  EncoderShape shape_;
  Tensor x1_, out_;
  // Views of the model's gradient scratch, fixed at allocation: the gradient at ln_2's output
  // (b), at x1 (c), and at ln_1's output (a, after the attention has read its own use of a).
  Tensor d_ln2_out_, d_x1_, d_ln1_out_;
};

}  // namespace swag::nn
