// The emulator's stand-in for the CUDA backend's status checks (include/swag/backends/cuda/
// check.hpp): a failed runtime call throws std::runtime_error naming the call and the reason.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define SWAG_CUDA_CHECK(call)                                                                 \
  do {                                                                                        \
    const cudaError_t swag_status_ = (call);                                                  \
    if (swag_status_ != cudaSuccess)                                                          \
      throw std::runtime_error(std::string(#call) + ": " + cudaGetErrorString(swag_status_)); \
  } while (0)
