// Launchers of the ViT kernels (layer_norm.cu, attention.cu, token_embedding.cu, layout.cu) on
// raw device pointers, in the style of kernels.hpp: nvcc compiles the .cu files as C++17, so they
// include no C++20 swag headers; the .cpp wrappers check the tensors and call these. Every
// launcher queues its work on the context stream and checks the launch.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

// Layer normalization over the rows of [rows, n] (layer_norm.cu), the CPU backend's arithmetic
// (src/backends/cpu/layer_norm.cpp): row sums in double, one warp per row; dgamma and dbeta as
// column sums in double over fixed row slabs, added in slab order (no atomics).
void layer_norm_forward(const float* x, const float* gamma, const float* beta, float* y,
                        float* mean, float* rstd, std::int64_t rows, std::int64_t n, float eps);
void layer_norm_backward(const float* x, const float* dy, const float* gamma, const float* mean,
                         const float* rstd, float* dx, float* dgamma, float* dbeta,
                         std::int64_t rows, std::int64_t n);

// Row softmax of a [rows, n] matrix in place (attention.cu): exponents of z - max(z) <= 0, the
// row sum in double; one warp per row.
void softmax_rows(float* p, std::int64_t rows, std::int64_t n);
// Softmax backward in place: ds holds dP on entry and P * (dP - rowsum(P * dP)) on exit.
void softmax_backward_rows(const float* p, float* ds, std::int64_t rows, std::int64_t n);

// Token embedding and the class token's output row (token_embedding.cu); [batch, tokens, dim]
// token tensors, token 0 the class token. The batch sums of the backward are in double, in
// sample order, as the CPU's.
void token_embedding_forward(const float* patches, const float* class_token, const float* pos,
                             float* y, std::int64_t batch, std::int64_t tokens, std::int64_t dim);
void token_embedding_backward(const float* dy, float* dpatches, float* dclass_token, float* dpos,
                              std::int64_t batch, std::int64_t tokens, std::int64_t dim);
void class_token_output_forward(const float* x, float* y, std::int64_t batch, std::int64_t tokens,
                                std::int64_t dim);
void class_token_output_backward(const float* dy, float* dx, std::int64_t batch,
                                 std::int64_t tokens, std::int64_t dim);

// [n, c, hw] -> [n, hw, c] (layout.cu).
void nchw_to_nhwc(const float* x, float* y, std::int64_t n, std::int64_t c, std::int64_t hw);

}  // namespace swag::cuda::kernels
