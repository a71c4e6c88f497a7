// Launchers of token_embedding.cu on raw device pointers, for its entry points and the CPU
// emulator's tests (tests/kernel_emulation). Every launcher queues its work on the context stream
// and checks the launch.
#pragma once
#include <cstdint>

#include "swag/core/float16.hpp"

namespace swag::cuda::kernels {

// Token embedding and the class token's output row (token_embedding.cu); [batch, tokens, dim]
// token tensors, token 0 the class token. The batch sums of the backward are in double, in
// sample order, as the CPU's. Templates over the activations' storage type T (float, bf16, f16;
// instantiated for the three in token_embedding.cu); dclass_token and dpos are fp32.
template <class T>
void token_embedding_forward(const T* patches, const T* class_token, const T* pos, T* y,
                             std::int64_t batch, std::int64_t tokens, std::int64_t dim);
template <class T>
void token_embedding_backward(const T* dy, T* dpatches, float* dclass_token, float* dpos,
                              std::int64_t batch, std::int64_t tokens, std::int64_t dim);
template <class T>
void class_token_output_forward(const T* x, T* y, std::int64_t batch, std::int64_t tokens,
                                std::int64_t dim);
template <class T>
void class_token_output_backward(const T* dy, T* dx, std::int64_t batch, std::int64_t tokens,
                                 std::int64_t dim);

}  // namespace swag::cuda::kernels
