#include "swag/backends/cuda/context.hpp"

#include "swag/backends/cuda/check.hpp"

namespace swag::cuda {

Context::Context(int device) : device_(device) {
  SWAG_CUDA_CHECK(cudaSetDevice(device));
  int major = 0, minor = 0;
  SWAG_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  SWAG_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  compute_capability_ = 10 * major + minor;
  SWAG_CUDA_CHECK(cudaStreamCreate(&stream_));
  SWAG_CUDA_CHECK(cudnnCreate(&cudnn_));
  SWAG_CUDA_CHECK(cudnnSetStream(cudnn_, stream_));
  SWAG_CUDA_CHECK(cublasLtCreate(&cublaslt_));
}

// Destructors must not throw: statuses are ignored, and a failure here only leaks until exit.
Context::~Context() {
  cudaStreamSynchronize(stream_);
  cudaFree(workspace_);
  if (cublaslt_) cublasLtDestroy(cublaslt_);
  if (cudnn_) cudnnDestroy(cudnn_);
  if (stream_) cudaStreamDestroy(stream_);
}

void* Context::workspace(std::size_t bytes) {
  if (bytes > workspace_bytes_) {
    // Round up so that a sequence of slightly larger requests does not reallocate each time.
    constexpr std::size_t granule = std::size_t{1} << 20;
    const std::size_t size = (bytes + granule - 1) / granule * granule;
    synchronize();  // the ops queued so far may still use the old one
    SWAG_CUDA_CHECK(cudaFree(workspace_));
    workspace_ = nullptr;
    workspace_bytes_ = 0;
    SWAG_CUDA_CHECK(cudaMalloc(&workspace_, size));
    workspace_bytes_ = size;
  }
  return workspace_;
}

void Context::synchronize() {
  SWAG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

}  // namespace swag::cuda
