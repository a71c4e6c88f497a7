#include "swag/ops/device.hpp"

#include <cstring>

#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/copy.hpp"
#endif

namespace swag::ops {

void copy(const Tensor& src, Tensor& dst) {
  SWAG_CHECK(src.shape() == dst.shape() && src.dtype() == dst.dtype(), "copy from {} {} to {} {}",
             dtype_name(src.dtype()), shape_str(src.shape()), dtype_name(dst.dtype()),
             shape_str(dst.shape()));
  if (src.device() == Device::cpu && dst.device() == Device::cpu) {
    if (src.nbytes() > 0) std::memcpy(dst.raw(), src.raw(), src.nbytes());
    return;
  }
  // One side is on the GPU (a CPU-only build fails in on_cuda).
  if (on_cuda("copy", src.device() == Device::cuda ? src : dst, true)) {
#ifdef SWAG_WITH_CUDA
    cuda::copy(src, dst);
#endif
  }
}

Tensor copy_to(const Tensor& t, Device device) {
  Tensor r = Tensor::empty(t.shape(), t.dtype(), device);
  copy(t, r);
  return r;
}

Tensor host_side(const Tensor& t) {
  return t.device() == Device::cpu ? t : copy_to(t, Device::cpu);
}

void synchronize(Device device) {
  if (device == Device::cpu) return;
#ifdef SWAG_WITH_CUDA
  cuda::context().synchronize();
#else
  fail(ExitCode::usage, "this swag was built without CUDA (use the 'cuda' preset)");
#endif
}

}  // namespace swag::ops
