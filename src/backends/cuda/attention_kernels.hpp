// Launchers of attention.cu on raw device pointers, for its entry points and the CPU emulator's
// tests (tests/kernel_emulation). Every launcher queues its work on the context stream and checks
// the launch. T is the activations' storage type (float, bf16 or f16; instantiated in
// attention.cu).
#pragma once
#include <cstdint>

#include "swag/core/float16.hpp"

namespace swag::cuda::kernels {

// Row softmax of [rows, n] fp32 logits into probabilities p (attention.cu): exponents of
// z - max(z) <= 0, the row sum in double, each probability rounded once to T; one warp per row.
// The logits are overwritten (with the exponentials); for float, p may be the logits themselves.
template <class T>
void softmax_rows(float* logits, T* p, std::int64_t rows, std::int64_t n);
// Softmax backward: ds = P * (dP - rowsum(P * dP)) from the probabilities p and fp32 dp, rounded
// once to T; for float, ds may be dp itself.
template <class T>
void softmax_backward_rows(const T* p, const float* dp, T* ds, std::int64_t rows, std::int64_t n);

}  // namespace swag::cuda::kernels
