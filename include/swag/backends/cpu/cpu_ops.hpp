// CPU implementations of the ops in swag/ops/: oneDNN for convolution and GEMM, Kokkos host
// kernels for element-wise and reduction work. Same contracts as the dispatching functions.
#pragma once
#include "swag/ops/attention.hpp"
#include "swag/ops/batchnorm.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/cross_entropy.hpp"
#include "swag/ops/layer_norm.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/squeeze_excitation.hpp"

namespace swag::cpu {

void conv2d_forward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
void conv2d_backward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);

void linear_forward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
void linear_backward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);

void batchnorm_forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                             Tensor& y);
void batchnorm_forward_eval(const ops::BatchNormDesc& d, const Tensor& x,
                            const ops::BatchNormState& s, Tensor& y);
void batchnorm_forward_saved(const ops::BatchNormDesc& d, const Tensor& x,
                             const ops::BatchNormState& s, Tensor& y);
void batchnorm_backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta);

void convert(const Tensor& src, Tensor& dst);

void relu_forward(const Tensor& x, Tensor& y);
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
void sigmoid_forward(const Tensor& x, Tensor& y);
void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
void gelu_forward(const Tensor& x, Tensor& y);
void gelu_backward(const Tensor& x, const Tensor& dy, Tensor& dx);
void tanh_forward(const Tensor& x, Tensor& y);
void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
void add_forward(const Tensor& a, const Tensor& b, Tensor& y, bool relu);
void accumulate(const Tensor& x, Tensor& y);

void global_avg_pool_forward(const Tensor& x, Tensor& y);
void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate);

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y);
void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale);

void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd);
void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta);

void attention_forward(const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs,
                       Tensor& context);
void attention_backward(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv);

void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y);
void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos);
void class_token_output_forward(const Tensor& x, Tensor& y);
void class_token_output_backward(const Tensor& dy, Tensor& dx);

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs);
void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits);

// The loader's normalization of u8 NHWC RGB batches (normalize.cpp).
void normalize_images(const Tensor& pixels, Tensor& images);

}  // namespace swag::cpu
