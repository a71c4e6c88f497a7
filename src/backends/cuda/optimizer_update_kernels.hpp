// Launchers of the optimizer kernels (optimizer_update.cu) on raw device pointers, for its entry
// points and the CPU emulator's tests (tests/kernel_emulation). Every launcher queues its work
// on the context stream; n is an element count.
//
// The element-wise updates are the CPU backend's formulas (src/backends/cpu/optimizer_update.cpp)
// written with the same operations in the same order; swag_ops compiles its CUDA sources with
// --fmad=false (src/CMakeLists.txt), so no mul+add is contracted into an FMA and each output is
// the same sequence of IEEE float operations as on the CPU: the results agree bit for bit.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

struct SgdArgs {
  float lr, momentum, weight_decay;
  bool nesterov, first_step;
};
void sgd_update(const SgdArgs& a, float* param, const float* grad, float* momentum_buffer,
                std::int64_t n);

// correction1 = 1 - beta1^t and root_correction2 = sqrt(1 - beta2^t), computed on the host in
// double and rounded to float, as the CPU backend does.
struct AdamWArgs {
  float lr, beta1, beta2, eps, weight_decay, correction1, root_correction2;
};
void adamw_update(const AdamWArgs& a, float* param, const float* grad, float* m, float* v,
                  std::int64_t n);

// Sum of x[i]^2 in double: contiguous chunks, one per block (their number depends on n only),
// a fixed tree within each block, then the block partials added in order on the host. No
// atomics: the same input gives the same bits. Waits for the stream (returns a host value).
double sum_of_squares(const float* x, std::int64_t n);

// average[i] = keep * average[i] + take * current[i] (the EMA of the weights).
void ema_update(float* average, const float* current, float keep, float take, std::int64_t n);
// Exchanges a[i] and b[i].
void swap_values(float* a, float* b, std::int64_t n);

}  // namespace swag::cuda::kernels
