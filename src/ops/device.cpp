#include "swag/ops/device.hpp"

#include <cstring>
#include <utility>

#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/copy.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/backends/cuda/runtime.hpp"
#endif

namespace swag::ops {

std::string backends_description() {
#ifdef SWAG_WITH_CUDA
  return "cpu cuda (" + cuda::build_description() + ")";
#else
  return "cpu";
#endif
}

std::string visible_gpus_description() {
#ifdef SWAG_WITH_CUDA
  return cuda::visible_gpus();
#else
  return {};
#endif
}

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

void copy_async(const Tensor& src, Tensor& dst) {
  if (src.device() == Device::cpu && dst.device() == Device::cpu) return copy(src, dst);
  SWAG_CHECK(src.device() == Device::cpu, "copy_async is for host-to-device copies");
  if (on_cuda("copy_async", dst, true)) {
#ifdef SWAG_WITH_CUDA
    cuda::copy_async(src, dst);
#endif
  }
}

Event::Event(Device device) {
  if (device == Device::cpu) return;
#ifdef SWAG_WITH_CUDA
  handle_ = cuda::event_create();
#else
  fail(ExitCode::usage, "this swag was built without CUDA (use the 'cuda' preset)");
#endif
}

Event::~Event() {
#ifdef SWAG_WITH_CUDA
  cuda::event_destroy(handle_);
#endif
}

Event::Event(Event&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Event& Event::operator=(Event&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

void Event::record() {
#ifdef SWAG_WITH_CUDA
  if (handle_) cuda::event_record(handle_);
#endif
}

void Event::wait() {
#ifdef SWAG_WITH_CUDA
  if (handle_) cuda::event_wait(handle_);
#endif
}

}  // namespace swag::ops
