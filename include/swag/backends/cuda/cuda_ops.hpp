// CUDA implementations of the ops in swag/ops/ (the list: backends/backend_ops.hpp): cuDNN
// convolutions, cuBLASLt GEMMs, hand-written kernels for the rest; and the GPU's own: layout,
// staging copies and events. Compiled in the `cuda` preset only; contracts as in include/swag/ops.
#pragma once
#include "swag/backends/backend_ops.hpp"

namespace swag::cuda {

SWAG_BACKEND_OPS(SWAG_DECLARE_BACKEND_OP)

void nchw_to_nhwc(const Tensor& x, Tensor& y);

// Copies from page-locked host memory that return at once (staging.cpp).
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
