// The runtime's first kernel (kernels.hpp): a GPU that the build's CMAKE_CUDA_ARCHITECTURES do
// not cover fails here, where runtime.cpp can name the fix, instead of in the first op.
#include "kernels.hpp"
#include "launch.cuh"

namespace swag::cuda::kernels {
namespace {

__global__ void empty_kernel() {}

}  // namespace

bool launch_probe() {
  enqueue(empty_kernel, dim3(1), dim3(1));
  const cudaError_t s = cudaGetLastError();
  if (s == cudaErrorNoKernelImageForDevice) return false;
  SWAG_CUDA_CHECK(s);
  return true;
}

}  // namespace swag::cuda::kernels
