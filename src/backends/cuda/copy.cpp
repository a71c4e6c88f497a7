// Copies between host and device tensors on the context's stream: copy, which waits when the
// destination is on the host, and the input path's asynchronous host-to-device copy_async.
#include "swag/backends/cuda/copy.hpp"

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {

void copy(const Tensor& src, Tensor& dst) {
  SWAG_CHECK(src.shape() == dst.shape() && src.dtype() == dst.dtype(), "copy from {} {} to {} {}",
             dtype_name(src.dtype()), shape_str(src.shape()), dtype_name(dst.dtype()),
             shape_str(dst.shape()));
  if (src.nbytes() == 0) return;
  Context& ctx = context();
  // Unified addressing tells the direction from the pointers themselves.
  SWAG_CUDA_CHECK(
      cudaMemcpyAsync(dst.raw(), src.raw(), src.nbytes(), cudaMemcpyDefault, ctx.stream()));
  if (dst.device() == Device::cpu) ctx.synchronize();
}

Tensor to_device(const Tensor& t) {
  Tensor d = Tensor::empty(t.shape(), t.dtype(), Device::cuda);
  copy(t, d);
  return d;
}

Tensor to_host(const Tensor& t) {
  Tensor h = Tensor::empty(t.shape(), t.dtype(), Device::cpu);
  copy(t, h);
  return h;
}

// The input path's piece of ops/device.hpp.
void copy_async(const Tensor& src, Tensor& dst) {
  SWAG_CHECK(src.shape() == dst.shape() && src.dtype() == dst.dtype(),
             "copy_async from {} {} to {} {}", dtype_name(src.dtype()), shape_str(src.shape()),
             dtype_name(dst.dtype()), shape_str(dst.shape()));
  if (src.nbytes() == 0) return;
  SWAG_CUDA_CHECK(
      cudaMemcpyAsync(dst.raw(), src.raw(), src.nbytes(), cudaMemcpyDefault, context().stream()));
}

}  // namespace swag::cuda
