// Launchers on raw device pointers, in the style of kernels.hpp: nvcc compiles the .cu files as
// C++17, so they include no C++20 swag headers; the .cpp wrappers check the tensors and call
// these. Every launcher queues its work on the context stream and checks the launch.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

// Row softmax of a [rows, n] matrix in place (attention.cu): exponents of z - max(z) <= 0, the
// row sum in double; one warp per row.
void softmax_rows(float* p, std::int64_t rows, std::int64_t n);
// Softmax backward in place: ds holds dP on entry and P * (dP - rowsum(P * dP)) on exit.
void softmax_backward_rows(const float* p, float* ds, std::int64_t rows, std::int64_t n);

}  // namespace swag::cuda::kernels
