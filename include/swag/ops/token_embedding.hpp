// A ViT's token embedding around its encoder: the class token prepended to the patch tokens and
// the learned position embedding added (input side), and the class token's row taken out of
// the encoder output (output side). Tokens are [batch, tokens, features], token 0 the class
// token, tokens 1.. the patches in row-major grid order (NHWC patch-embedding output).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

// y[b, 0] = class_token + pos[0]; y[b, 1 + i] = patches[b, i] + pos[1 + i].
// patches [B, N, D], class_token [D], pos [N + 1, D], y [B, N + 1, D], all of one type (f32,
// bf16 or f16: the activations' type, the class token and pos a compute copy in it).
void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y);
// Overwrites dpatches, dclass_token (sum over the batch of dy[b, 0]) and dpos (sum over the
// batch of dy[b]); dy and dpatches of the activations' type, dclass_token and dpos f32.
void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos);

// y[b] = x[b, 0]: x [B, T, D], y [B, D].
void class_token_output_forward(const Tensor& x, Tensor& y);
// dx[b, 0] = dy[b], every other row of dx zero.
void class_token_output_backward(const Tensor& dy, Tensor& dx);

}  // namespace swag::ops
