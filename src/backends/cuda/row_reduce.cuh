// One warp per row: the launch shape and the warp sum shared by the row kernels of layer_norm.cu
// and attention.cu.
//
// Determinism: a lane sums the row's elements lane, lane + 32, ... in order, and the butterfly
// below adds the 32 lane partials in an order fixed by the lane index alone; a + b == b + a in
// IEEE arithmetic, so every lane ends with the same bits, and the same inputs give the same bits
// from run to run.
#pragma once
#include "launch.cuh"

namespace swag::cuda::kernels {

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = kThreads / kWarp;  // one warp per row

template <class T>
__device__ inline T warp_sum(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

template <class T>
__device__ inline T warp_max(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const T o = __shfl_xor_sync(0xffffffffu, v, offset);
    v = o > v ? o : v;
  }
  return v;
}

// The row of the calling warp (rows past the end are the caller's to skip, a whole warp at a
// time, so that the shuffles see all 32 lanes) and the lane within it.
__device__ inline std::int64_t warp_row() {
  return static_cast<std::int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
}
__device__ inline int warp_lane() {
  return static_cast<int>(threadIdx.x % kWarp);
}

// Launches kernel(args...) with one warp per row.
template <class... Params, class... Args>
void launch_rows(void (*kernel)(Params...), std::int64_t rows, Args... args) {
  if (rows <= 0) return;
  const std::int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  launch(kernel, dim3(static_cast<unsigned>(blocks)), dim3(kThreads), args...);
}

}  // namespace swag::cuda::kernels
