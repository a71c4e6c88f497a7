// Allocators per device. The host one hands out 64-byte aligned memory; the CUDA backend
// registers its own at start-up, so core/ never depends on CUDA.
#pragma once
#include <cstddef>

#include "swag/core/dtype.hpp"

namespace swag {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* p, std::size_t bytes) = 0;
  virtual void fill_zero(void* p, std::size_t bytes) = 0;
};

Allocator& allocator_for(Device d);
void register_allocator(Device d, Allocator* a);

// Page-locked host memory, which the GPU copies from asynchronously (Tensor::empty_pinned):
// the CUDA backend registers its allocator (cudaHostAlloc) once, and it is handed out while a
// CUDA allocator is registered (a swag::cuda::Runtime lives); otherwise, and in CPU-only builds,
// this is the plain host allocator. Its tensors are host tensors, counted as such.
Allocator& pinned_host_allocator();
void register_pinned_host_allocator(Allocator* a);

// Bytes held by live tensors on a device, and the most held at once since the last reset: what
// `swag bench` reports as memory. Library workspaces (cuDNN's, oneDNN's) are not tensors and
// are not counted. Thread-safe: loader threads allocate too.
std::size_t tensor_bytes_in_use(Device d);
std::size_t tensor_bytes_peak(Device d);
void reset_tensor_bytes_peak(Device d);
// Called by Tensor for each allocation (+bytes) and release (-bytes).
void count_tensor_bytes(Device d, std::ptrdiff_t delta);

}  // namespace swag
