#include "allocator.hpp"

#include <cstdio>

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/core/error.hpp"

namespace swag::cuda {
namespace {

// Plain cudaMalloc: shapes are static per run, so tensors are allocated once, before the step
// loop, and a caching allocator would buy nothing.
class DeviceAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    void* p = nullptr;
    const cudaError_t s = cudaMalloc(&p, bytes);
    if (s == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // reset the last error, or the next launch check would report it
      fail(ExitCode::failure, "out of GPU memory allocating {} bytes on device {}", bytes,
           context().device());
    }
    SWAG_CUDA_CHECK(s);
    return p;
  }

  // Runs from tensor destructors, which must not throw. cudaFree waits for the work in flight
  // on the device, so memory that queued kernels still read is not reused under them.
  void deallocate(void* p, std::size_t) override {
    const cudaError_t s = cudaFree(p);
    // At process exit the runtime may already be unloaded, and the memory goes with it.
    if (s != cudaSuccess && s != cudaErrorCudartUnloading)
      std::fprintf(stderr, "swag: warning: cudaFree failed: %s\n", cudaGetErrorString(s));
  }

  void fill_zero(void* p, std::size_t bytes) override {
    SWAG_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, context().stream()));
  }
};

}  // namespace

Allocator& device_allocator() {
  static DeviceAllocator allocator;
  return allocator;
}

}  // namespace swag::cuda
