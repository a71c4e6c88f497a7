// Launchers on raw device pointers, in the style of kernels.hpp: nvcc compiles the .cu files as
// C++17, so they include no C++20 swag headers; the .cpp wrappers check the tensors and call
// these. Every launcher queues its work on the context stream and checks the launch.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

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
