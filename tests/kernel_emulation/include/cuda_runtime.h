// A stand-in for <cuda_runtime.h> that lets the CUDA backend's .cu files compile as host C++
// and run on the kernel emulator (../emulator.cpp): the execution-space keywords, the built-in
// index variables, __syncthreads, warp shuffles, and the few runtime calls the .cu files make,
// on host memory. Only what those files use is here; a kernel that needs more fails to compile.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
// The emulator runs one block at a time, so a static is that block's shared memory.
#define __shared__ static

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// The running thread's indices: the emulator sets them before it resumes a thread.
inline dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace swag::emulation {

// Runs thread_body once for every thread of grid x block: blocks one after another, a block's
// threads as fibers that switch only at __syncthreads and warp shuffles. A barrier that cannot
// complete (a deadlock, or threads that exited while others wait) aborts the grid and makes the
// next cudaGetLastError return cudaErrorLaunchFailure, with the reason in cudaGetErrorString.
void run_grid(dim3 grid, dim3 block, const std::function<void()>& thread_body);

// The calling lane's part of a 32-lane butterfly: every lane gives `bits`, gets lane
// (own ^ lane_mask)'s.
std::uint64_t shuffle_xor(unsigned mask, std::uint64_t bits, int lane_mask);

}  // namespace swag::emulation

void __syncthreads();

template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask) {
  static_assert(sizeof(T) <= sizeof(std::uint64_t) && std::is_trivially_copyable_v<T>);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof v);
  bits = swag::emulation::shuffle_xor(mask, bits, lane_mask);
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorNoKernelImageForDevice = 209,
  cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost,
  cudaMemcpyHostToDevice,
  cudaMemcpyDeviceToHost,
  cudaMemcpyDeviceToDevice,
  cudaMemcpyDefault,
};
using cudaStream_t = struct CUstream_st*;

// The error of the last grid, which it clears, as the runtime's call does.
cudaError_t cudaGetLastError();
// For cudaErrorLaunchFailure, the emulator's reason for the last failed grid.
const char* cudaGetErrorString(cudaError_t error);
// Host memory on both sides: the copy or fill happens at once.
cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream);
cudaError_t cudaMemsetAsync(void* dst, int value, std::size_t bytes, cudaStream_t stream);
