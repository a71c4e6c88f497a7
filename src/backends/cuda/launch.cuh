// What the .cu kernels share: a grid-stride loop over a flat range, launch checking, and the
// fixed-order block reduction used by the per-channel sums.
//
// Determinism: every reduction here has an order fixed by the shape alone (which thread sums
// which rows, then a fixed tree in shared memory, then partials added in index order), and no
// atomics, so that results are bitwise reproducible from run to run on the same GPU.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"

namespace swag::cuda::kernels {

constexpr int kThreads = 256;

inline void check_launch() {
  SWAG_CUDA_CHECK(cudaGetLastError());
}

// Queues kernel(args...) over grid x block on the context stream: the one place the .cu files
// launch, so that the host emulator (tests/kernel_emulation, which defines
// SWAG_KERNEL_EMULATION) can run the same kernels on the CPU.
template <class... Params, class... Args>
void enqueue(void (*kernel)(Params...), dim3 grid, dim3 block, const Args&... args) {
#if !defined(SWAG_KERNEL_EMULATION)  // (clang-format splits the chevrons in an #else branch)
  kernel<<<grid, block, 0, context().stream()>>>(args...);
#else
  swag::emulation::run_grid(grid, block, [&] { kernel(args...); });
#endif
}

// enqueue, then the launch's error check.
template <class... Params, class... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, const Args&... args) {
  enqueue(kernel, grid, block, args...);
  check_launch();
}

// op(i) for every i < n, grid-stride.
template <class Op>
__global__ void for_each_kernel(std::int64_t n, Op op) {
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    op(i);
}

template <class Op>
void for_each(std::int64_t n, const Op& op) {
  if (n <= 0) return;
  constexpr std::int64_t kMaxBlocks = std::int64_t{1} << 16;  // the loop strides beyond this
  const std::int64_t blocks = (n + kThreads - 1) / kThreads;
  launch(for_each_kernel<Op>,
         dim3(static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks)), dim3(kThreads), n,
         op);
}

// Column tiles: a block of kTileX x kTileY threads covers kTileX consecutive channels (adjacent
// threads read adjacent floats of an NHWC row), its kTileY thread rows take every kTileY-th row.
constexpr int kTileX = 32, kTileY = 8;

// Sums v over the kTileY thread rows of a column-tile block, in a fixed tree; the result is in
// thread row 0. `shared` holds kTileY * kTileX values. Every thread of the block must call it.
__device__ inline double tile_column_sum(double v, double* shared) {
  shared[threadIdx.y * kTileX + threadIdx.x] = v;
  __syncthreads();
  for (int half = kTileY / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.y) < half)
      shared[threadIdx.y * kTileX + threadIdx.x] +=
          shared[(threadIdx.y + half) * kTileX + threadIdx.x];
    __syncthreads();
  }
  const double s = shared[threadIdx.x];
  __syncthreads();  // shared may be reused by the caller's next call
  return s;
}

}  // namespace swag::cuda::kernels
