// CUDA implementations of the ops in swag/ops/ (the list: backends/backend_ops.hpp): cuDNN
// convolutions, cuBLASLt GEMMs, hand-written kernels for the rest; and the GPU runtime the layers
// above use (SWAG_GPU_RUNTIME: copies, events, math mode). Compiled in the `cuda` preset only;
// contracts as in include/swag/ops.
#pragma once
#include "swag/backends/backend_ops.hpp"

namespace swag::cuda {

// This build has the CUDA backend (backends/gpu.hpp).
inline constexpr bool kBuilt = true;

SWAG_BACKEND_OPS(SWAG_DECLARE_BACKEND_OP)
SWAG_GPU_RUNTIME(SWAG_DECLARE_BACKEND_OP)

}  // namespace swag::cuda
