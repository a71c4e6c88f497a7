// The input path's piece of ops/device.hpp on the GPU: asynchronous host-to-device copies.
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {

void copy_async(const Tensor& src, Tensor& dst) {
  SWAG_CHECK(src.shape() == dst.shape() && src.dtype() == dst.dtype(),
             "copy_async from {} {} to {} {}", dtype_name(src.dtype()), shape_str(src.shape()),
             dtype_name(dst.dtype()), shape_str(dst.shape()));
  if (src.nbytes() == 0) return;
  SWAG_CUDA_CHECK(
      cudaMemcpyAsync(dst.raw(), src.raw(), src.nbytes(), cudaMemcpyDefault, context().stream()));
}

}  // namespace swag::cuda
