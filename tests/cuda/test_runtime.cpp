// The CUDA runtime pieces: allocation, copies, and the status checks' error messages.
#include <gtest/gtest.h>

#include <string>

#include "parity.hpp"
#include "swag/backends/cuda/check.hpp"

using namespace swag;

namespace {

// Expects `f` to throw swag::Error (ExitCode::failure) whose message holds every one of `parts`.
template <class F>
void expect_error_naming(F f, std::initializer_list<const char*> parts) {
  try {
    f();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::failure);
    for (const char* part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << part << "' missing from: " << e.what();
  }
}

TEST(CudaRuntime, CopiesRoundTripBitwise) {
  const Tensor host = test::random_tensor({5, 7, 3}, 1);
  const Tensor device = cuda::to_device(host);
  EXPECT_EQ(device.device(), Device::cuda);
  test::expect_bitwise_equal("round trip", device, cuda::to_device(cuda::to_host(device)));
  const Tensor back = cuda::to_host(device);
  EXPECT_EQ(std::memcmp(back.raw(), host.raw(), host.nbytes()), 0);
}

TEST(CudaRuntime, ZerosAreZero) {
  const Tensor z = cuda::to_host(Tensor::zeros({1000, 3}, DType::f32, Device::cuda));
  for (std::int64_t i = 0; i < z.numel(); ++i) ASSERT_EQ(z.data<float>()[i], 0.0f) << i;
}

TEST(CudaRuntime, CudaFailuresNameTheCallAndPlace) {
  expect_error_naming([] { SWAG_CUDA_CHECK(cudaSetDevice(-1)); },
                      {"cudaSetDevice failed", "test_runtime.cpp:", "cudaErrorInvalidDevice"});
}

TEST(CudaRuntime, CudnnFailuresNameTheCallAndPlace) {
  cudnnTensorDescriptor_t desc = nullptr;
  SWAG_CUDA_CHECK(cudnnCreateTensorDescriptor(&desc));
  expect_error_naming(
      [desc] {
        SWAG_CUDA_CHECK(
            cudnnSetTensor4dDescriptor(desc, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, -1, 1, 1, 1));
      },
      {"cudnnSetTensor4dDescriptor failed", "test_runtime.cpp:", "CUDNN_STATUS_BAD_PARAM"});
  cudnnDestroyTensorDescriptor(desc);
}

TEST(CudaRuntime, CublasLtFailuresNameTheCallAndPlace) {
  cublasLtMatmulDesc_t desc = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  expect_error_naming(
      [desc] {
        const char too_small = 0;  // the attribute is a 4-byte enum
        SWAG_CUDA_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                                       &too_small, sizeof too_small));
      },
      {"cublasLtMatmulDescSetAttribute failed",
       "test_runtime.cpp:", "CUBLAS_STATUS_INVALID_VALUE"});
  cublasLtMatmulDescDestroy(desc);
}

}  // namespace
