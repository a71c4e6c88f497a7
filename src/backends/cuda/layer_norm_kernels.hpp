// Launchers on raw device pointers, in the style of kernels.hpp: nvcc compiles the .cu files as
// C++17, so they include no C++20 swag headers; the .cpp wrappers check the tensors and call
// these. Every launcher queues its work on the context stream and checks the launch.
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

}  // namespace swag::cuda::kernels
