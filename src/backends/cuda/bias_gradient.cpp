#include <climits>

#include "op_support.hpp"
#include "swag/backends/cuda/context.hpp"

namespace swag::cuda {

void bias_gradient(const float* dy, float* db, std::int64_t rows, std::int64_t cols) {
  if (rows * cols > INT_MAX)
    fail(ExitCode::config,
         "a bias gradient of {} x {} exceeds cuDNN's 32-bit indexing; lower the per-GPU batch size",
         rows, cols);
  // dy as an NCHW tensor [rows, cols, 1, 1]; cuDNN sums it over all but the channel axis.
  TensorDescriptor dy_desc, db_desc;
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(dy_desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                             static_cast<int>(rows), static_cast<int>(cols), 1, 1));
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(db_desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1,
                                             static_cast<int>(cols), 1, 1));
  const float one = 1.0f, zero = 0.0f;
  SWAG_CUDA_CHECK(
      cudnnConvolutionBackwardBias(context().cudnn(), &one, dy_desc, dy, &zero, db_desc, db));
}

}  // namespace swag::cuda
