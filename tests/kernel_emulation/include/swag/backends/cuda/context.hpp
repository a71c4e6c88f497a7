// The emulator's stand-in for the CUDA backend's context (include/swag/backends/cuda/
// context.hpp): the part of it that the .cu files use, on host memory.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

namespace swag::cuda {

class Context {
 public:
  cudaStream_t stream() const { return nullptr; }
  // Scratch of at least `bytes`, valid until the next request (as the real one).
  void* workspace(std::size_t bytes);
  // The emulator finishes each grid before the launch returns: nothing to wait for.
  void synchronize() {}
};

Context& context();

}  // namespace swag::cuda
