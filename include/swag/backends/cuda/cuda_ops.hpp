// CUDA implementations (cuDNN convolutions, cuBLASLt GEMMs, hand-written kernels for the
// element-wise ops, batch norm, pooling, channel scaling, cross-entropy and the ViT ops: layer
// norm, the attention softmax, token embedding, layout). Compiled in the `cuda` preset only. The
// other ops arrive with full GPU training; until then the dispatcher names the op that has no
// CUDA kernel. Signatures and aliasing rules are those of the op front-ends (include/swag/ops).
#pragma once
#include "swag/ops/attention.hpp"
#include "swag/ops/batchnorm.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/layer_norm.hpp"
#include "swag/ops/layout.hpp"
#include "swag/ops/linear.hpp"

namespace swag::cuda {

void conv2d_forward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
void conv2d_backward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);
void linear_forward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
void linear_backward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);

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
void scale(Tensor& x, float factor);

void batchnorm_forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                             Tensor& y);
void batchnorm_forward_eval(const ops::BatchNormDesc& d, const Tensor& x,
                            const ops::BatchNormState& s, Tensor& y);
void batchnorm_forward_saved(const ops::BatchNormDesc& d, const Tensor& x,
                             const ops::BatchNormState& s, Tensor& y);
void batchnorm_backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta);

void global_avg_pool_forward(const Tensor& x, Tensor& y);
void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate);
void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y);
void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale);

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs);
void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits);

// ViT ops (layer_norm.cpp, attention.cpp, token_embedding.cpp, layout.cpp).
void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd);
void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta);

// Q Kᵀ, P V and their gradients through cuBLASLt (the math mode in fp32; 16-bit operands with
// fp32 accumulation), the softmax hand-written.
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
void nchw_to_nhwc(const Tensor& x, Tensor& y);

// The input path (normalize.cpp, staging.cpp): the loader's normalization of u8 NHWC RGB
// batches, and copies from page-locked host memory that return at once.
void normalize_images(const Tensor& pixels, Tensor& images);
void copy_async(const Tensor& src, Tensor& dst);
// Events on the context stream (events.cpp; a cudaEvent_t passed as void*, so that this header
// needs no CUDA one): behind ops::Event, without timing; and for ops::profile, a timed event
// recorded now, and the milliseconds between two that have completed.
void* event_create();
void event_destroy(void* event) noexcept;
void event_record(void* event);
void event_wait(void* event);
void* timed_event_record();
float event_elapsed_ms(void* start, void* end);

}  // namespace swag::cuda
