// The kernel emulator itself (emulator.cpp): every thread of a grid runs once with its own
// indices, __syncthreads and warp shuffles order the threads as on a GPU, and the barrier
// misuses that CUDA leaves undefined fail the launch with a reason.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "launch.cuh"

namespace {

using swag::cuda::kernels::launch;

__global__ void record_indices(int* seen) {
  const unsigned threads = blockDim.x * blockDim.y * blockDim.z;
  const unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  seen[block * threads + thread] += 1;
}

TEST(KernelEmulator, RunsEveryThreadOnceWithItsIndices) {
  const dim3 grid(3, 2, 2), block(8, 4, 2);
  std::vector<int> seen(3 * 2 * 2 * 8 * 4 * 2, 0);
  launch(record_indices, grid, block, seen.data());
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "thread " << i;
}

// Each thread writes its slot, then reads its neighbour's: right only if the barrier holds
// every thread until all have written (the emulator runs thread 0 first).
__global__ void rotate_through_shared(const int* in, int* out) {
  __shared__ int slots[64];
  const unsigned t = threadIdx.x;
  slots[t] = in[blockIdx.x * blockDim.x + t];
  __syncthreads();
  out[blockIdx.x * blockDim.x + t] = slots[(t + 1) % blockDim.x];
}

TEST(KernelEmulator, SyncthreadsWaitsForTheWholeBlock) {
  std::vector<int> in(2 * 64), out(in.size(), -1);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int>(i) * 7;
  launch(rotate_through_shared, dim3(2), dim3(64), in.data(), out.data());
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 64; ++t) EXPECT_EQ(out[b * 64 + t], in[b * 64 + (t + 1) % 64]);
}

// The butterfly of row_reduce.cuh's warp_sum: every lane ends with the sum over its warp.
__global__ void warp_totals(const double* in, double* out) {
  double v = in[threadIdx.x];
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  out[threadIdx.x] = v;
}

TEST(KernelEmulator, ShuffleXorExchangesWithinEachWarp) {
  std::vector<double> in(96), out(96, -1.0);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<double>(i * i);
  launch(warp_totals, dim3(1), dim3(96), in.data(), out.data());
  for (std::size_t w = 0; w < 3; ++w) {
    double total = 0.0;
    for (std::size_t l = 0; l < 32; ++l) total += in[w * 32 + l];
    for (std::size_t l = 0; l < 32; ++l) EXPECT_EQ(out[w * 32 + l], total);
  }
}

// Records the order in which the emulator runs a block's threads (one host thread runs them all).
__global__ void record_order(int* order, int* next) {
  order[(*next)++] = static_cast<int>(threadIdx.x);
}

TEST(KernelEmulator, RunsThreadsInTheOrderTheScheduleSays) {
  const char* schedule = std::getenv("SWAG_EMULATOR_SCHEDULE");
  const bool reverse = schedule && std::string(schedule) == "reverse";
  std::vector<int> order(40, -1);
  int next = 0;
  launch(record_order, dim3(1), dim3(40), order.data(), &next);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], reverse ? 39 - i : i);
}

// The message of the launch's failure, "" if it succeeded.
template <class... Args>
std::string launch_failure(void (*kernel)(Args...), dim3 grid, dim3 block, Args... args) {
  try {
    launch(kernel, grid, block, args...);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

__global__ void early_exit_before_barrier(int* out) {
  if (threadIdx.x < 16) return;
  __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void barrier_in_one_warp(int* out) {
  if (threadIdx.x < 32) __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void shuffle_by_half_a_warp(int* out) {
  int v = static_cast<int>(threadIdx.x);
  if (threadIdx.x < 16)
    v = __shfl_xor_sync(0xffffffffu, v, 1);
  else
    __syncthreads();
  out[threadIdx.x] = v;
}

__global__ void shuffle_in_a_partial_warp(int* out) {
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, static_cast<int>(threadIdx.x), 1);
}

TEST(KernelEmulator, FailsBarriersThatCudaLeavesUndefined) {
  std::vector<int> out(64, 0);
  const std::string exited =
      launch_failure(early_exit_before_barrier, dim3(2), dim3(64), out.data());
  EXPECT_NE(exited.find("block (0,0,0) of grid (2,1,1) x block (64,1,1)"), std::string::npos)
      << exited;
  EXPECT_NE(exited.find("48 threads wait at __syncthreads that 16 threads"), std::string::npos)
      << exited;
  // A barrier reached by one warp while the other finishes: the same reason.
  EXPECT_NE(launch_failure(barrier_in_one_warp, dim3(1), dim3(64), out.data()).find("exited"),
            std::string::npos);
  EXPECT_NE(launch_failure(shuffle_by_half_a_warp, dim3(1), dim3(32), out.data()).find("deadlock"),
            std::string::npos);
  EXPECT_NE(launch_failure(shuffle_in_a_partial_warp, dim3(1), dim3(40), out.data())
                .find("warp of 8 threads"),
            std::string::npos);
  // The failure is reported once; the next launch runs.
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  std::vector<int> seen(8, 0);
  launch(record_indices, dim3(1), dim3(8), seen.data());
  EXPECT_EQ(seen, std::vector<int>(8, 1));
}

}  // namespace
