// NCCL statuses in SWAG_CUDA_CHECK (swag/backends/cuda/check.hpp): a failed call throws
// swag::Error naming the function, the file:line of the call and NCCL's message.
#pragma once
#include <nccl.h>

#include "swag/backends/cuda/check.hpp"

namespace swag::cuda::detail {

inline bool ok(ncclResult_t s) {
  return s == ncclSuccess;
}
[[noreturn]] void call_failed(ncclResult_t s, const char* call, const char* file, int line);

}  // namespace swag::cuda::detail
