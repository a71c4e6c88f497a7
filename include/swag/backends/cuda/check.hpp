// Status checks for CUDA runtime, cuDNN and cuBLASLt calls. A failed call throws swag::Error
// (ExitCode::failure) naming the function, the file:line of the call and the library's message:
//
//   SWAG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream));
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

namespace swag::cuda::detail {

inline bool ok(cudaError_t s) {
  return s == cudaSuccess;
}
inline bool ok(cudnnStatus_t s) {
  return s == CUDNN_STATUS_SUCCESS;
}
inline bool ok(cublasStatus_t s) {
  return s == CUBLAS_STATUS_SUCCESS;
}

// cuDNN's name for s and, where cuDNN 9 kept one, its more specific reason for the last failure
// (which descriptor, which limit): "CUDNN_STATUS_...: reason".
std::string cudnn_status_text(cudnnStatus_t s);

[[noreturn]] void call_failed(cudaError_t s, const char* call, const char* file, int line);
[[noreturn]] void call_failed(cudnnStatus_t s, const char* call, const char* file, int line);
[[noreturn]] void call_failed(cublasStatus_t s, const char* call, const char* file, int line);

}  // namespace swag::cuda::detail

#define SWAG_CUDA_CHECK(call)                                                     \
  do {                                                                            \
    const auto swag_status_ = (call);                                             \
    if (!::swag::cuda::detail::ok(swag_status_))                                  \
      ::swag::cuda::detail::call_failed(swag_status_, #call, __FILE__, __LINE__); \
  } while (0)
