#include <climits>
#include <cstddef>
#include <type_traits>

#include "gemm_kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {
namespace {

void bias_gradient_f32(const float* dy, float* db, std::int64_t rows, std::int64_t cols) {
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

}  // namespace

// cuDNN's reduction writes its output in the input's type; the fp32 gradient of 16-bit dy is a
// column sum of our own instead.
void bias_gradient(const Tensor& dy, float* db, std::int64_t rows, std::int64_t cols) {
  visit_float_type(dy.dtype(), "bias gradient", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) {
      bias_gradient_f32(dy.data<float>(), db, rows, cols);
    } else {
      const std::int64_t partials = kernels::column_sums_scratch(rows, cols);
      auto* scratch = static_cast<double*>(
          context().workspace(static_cast<std::size_t>(partials) * sizeof(double)));
      kernels::column_sums(dy.data<T>(), db, scratch, rows, cols);
    }
  });
}

}  // namespace swag::cuda
