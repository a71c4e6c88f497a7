// GPU test main: exits with 77 (ctest's SKIP_RETURN_CODE for this test) when no GPU is visible,
// otherwise runs the tests with the CPU runtime (the reference side) and the CUDA runtime alive.
#include <gtest/gtest.h>

#include <cstdio>
#include <exception>

#include "swag/backends/cpu/runtime.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/runtime.hpp"

int main(int argc, char** argv) {
  if (swag::cuda::Runtime::device_count() == 0) {
    std::printf("no CUDA device (%s): GPU tests not run\n",
                swag::cuda::Runtime::no_device_reason().c_str());
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  // A runtime that cannot start (cuDNN's sub-libraries missing, say) is one failure with its
  // reason, not an uncaught exception.
  try {
    swag::cpu::Runtime cpu_runtime(1);
    swag::cuda::Runtime cuda_runtime(0);

    // Versions first, so that a failure log says what it ran on.
    cudaDeviceProp prop{};
    int runtime = 0, driver = 0;
    SWAG_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    SWAG_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    SWAG_CUDA_CHECK(cudaDriverGetVersion(&driver));
    std::printf(
        "device 0: %s (sm_%d%d, %d SMs); CUDA runtime %d, driver %d; cuDNN %zu; cuBLASLt %zu\n",
        prop.name, prop.major, prop.minor, prop.multiProcessorCount, runtime, driver,
        cudnnGetVersion(), cublasLtGetVersion());
    return RUN_ALL_TESTS();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test_cuda: %s\n", e.what());
    return 1;
  }
}
