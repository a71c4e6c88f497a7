// CPU implementations of the ops in swag/ops/ (the list: backends/backend_ops.hpp): oneDNN for
// convolution and GEMM, Kokkos host kernels for element-wise, reduction and optimizer work.
// Same contracts as the dispatching functions.
#pragma once
#include "swag/backends/backend_ops.hpp"

namespace swag::cpu {

SWAG_BACKEND_OPS(SWAG_DECLARE_BACKEND_OP)

}  // namespace swag::cpu
