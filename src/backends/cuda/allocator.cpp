#include "allocator.hpp"

#include <cstdio>
#include <cstring>

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
    // An empty tensor (a ViT's buffer store) still gets a real address: cudaMalloc(0) may give
    // null, which cudaMemcpyDefault cannot place on a device.
    const cudaError_t s = cudaMalloc(&p, bytes == 0 ? 256 : bytes);
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
    if (bytes == 0) return;
    SWAG_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, context().stream()));
  }
};

// Page-locked host memory for the staging buffers of the input path: cudaMemcpyAsync from it
// returns at once and runs on the copy engine, where a copy from pageable memory is staged
// through a driver buffer first. Portable, so any device's context may copy from it.
class PinnedHostAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    void* p = nullptr;
    const cudaError_t s = cudaHostAlloc(&p, bytes == 0 ? 64 : bytes, cudaHostAllocPortable);
    if (s == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      fail(ExitCode::failure, "out of page-locked host memory allocating {} bytes", bytes);
    }
    SWAG_CUDA_CHECK(s);
    return p;
  }

  // From tensor destructors: must not throw (see DeviceAllocator::deallocate).
  void deallocate(void* p, std::size_t) override {
    const cudaError_t s = cudaFreeHost(p);
    if (s != cudaSuccess && s != cudaErrorCudartUnloading)
      std::fprintf(stderr, "swag: warning: cudaFreeHost failed: %s\n", cudaGetErrorString(s));
  }

  void fill_zero(void* p, std::size_t bytes) override { std::memset(p, 0, bytes); }
};

PinnedHostAllocator pinned_allocator;

// Registered once at start-up; core hands it out only while a Runtime has registered the
// device allocator, so a CUDA build without a GPU never calls cudaHostAlloc.
const bool pinned_registered = (register_pinned_host_allocator(&pinned_allocator), true);

}  // namespace

Allocator& device_allocator() {
  static DeviceAllocator allocator;
  return allocator;
}

}  // namespace swag::cuda
