// The input path's pieces of ops/device.hpp on the GPU: asynchronous host-to-device copies and
// events on the context stream.
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

void* event_create() {
  cudaEvent_t e = nullptr;
  // Blocking sync: a host waiting on a copy sleeps instead of spinning a core that the loader's
  // decoding threads could use.
  SWAG_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming | cudaEventBlockingSync));
  return e;
}

void event_destroy(void* event) noexcept {
  // Destroying an event whose work is pending is allowed: its resources go when it completes.
  if (event) cudaEventDestroy(static_cast<cudaEvent_t>(event));
}

void event_record(void* event) {
  SWAG_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event), context().stream()));
}

void event_wait(void* event) {
  SWAG_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
}

}  // namespace swag::cuda
