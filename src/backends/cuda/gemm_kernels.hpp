// Launchers of the GEMM-like ops' helper kernels (gemm_kernels.cu) for 16-bit activations
// (doc/mixed_precision.md), on raw device pointers, for conv2d.cpp and the CPU emulator's tests. T
// is bf16 or f16. Every launcher queues its work on the context stream and checks the launch.
#pragma once
#include <cstdint>

#include "swag/core/float16.hpp"

namespace swag::cuda::kernels {

// y[r][j] = y[r][j] + b[j], rounded once, for a row-major [rows, cols] tensor: a convolution's
// bias (cuDNN's legacy API adds it in a pass of its own).
template <class T>
void add_bias(T* y, const T* b, std::int64_t rows, std::int64_t cols);

// Weights [o, i, kk] (OIHW, kk = kh * kw) into [o, kk, i] (OHWI, cuDNN's NHWC filter layout) when
// to_ohwi, else back: a permutation, exact.
template <class T>
void permute_weights(const T* src, T* dst, std::int64_t o, std::int64_t i, std::int64_t kk,
                     bool to_ohwi);

// db[j] = sum over r < rows of dy[r][j] for a row-major [rows, cols] 16-bit gradient, in double,
// rounded once to float, in an order fixed by the shape (bitwise reproducible). `partials` is
// device scratch of column_sums_scratch(rows, cols) doubles.
template <class T>
void column_sums(const T* dy, float* db, double* partials, std::int64_t rows, std::int64_t cols);
std::int64_t column_sums_scratch(std::int64_t rows, std::int64_t cols);

}  // namespace swag::cuda::kernels
