// Launchers of layer_norm.cu on raw device pointers, for its entry points and the CPU emulator's
// tests (tests/kernel_emulation). Every launcher queues its work on the context stream and checks
// the launch.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

// Layer normalization over the rows of [rows, n] (layer_norm.cu), the CPU backend's arithmetic
// (src/backends/cpu/layer_norm.cpp): row sums in double, one warp per row; dgamma and dbeta as
// column sums in double over fixed row slabs, added in slab order (no atomics). Templates over
// the storage type T of x, y, dy and dx (float, bf16 or f16, doc/mixed_precision.md), explicitly
// instantiated for the three in layer_norm.cu; gamma, beta, mean, rstd, dgamma, dbeta are float.
template <class T>
void layer_norm_forward(const T* x, const float* gamma, const float* beta, T* y, float* mean,
                        float* rstd, std::int64_t rows, std::int64_t n, float eps);
template <class T>
void layer_norm_backward(const T* x, const T* dy, const float* gamma, const float* mean,
                         const float* rstd, T* dx, float* dgamma, float* dbeta, std::int64_t rows,
                         std::int64_t n);

}  // namespace swag::cuda::kernels
