#include "swag/ops/device.hpp"

#include <cstring>
#include <utility>

#include "swag/ops/dispatch.hpp"

namespace swag::ops {

std::string backends_description() {
  if (!gpu_backend::kBuilt) return "cpu";
  return "cpu cuda (" + gpu_backend::build_description() + ")";
}

std::string visible_gpus_description() {
  return gpu_backend::visible_gpus();
}

bool gpu_backend_built() {
  return gpu_backend::kBuilt;
}

int gpu_count() {
  return gpu_backend::Runtime::device_count();
}

std::string no_gpu_reason() {
  return gpu_backend::Runtime::no_device_reason();
}

std::shared_ptr<void> hold_gpu(int index) {
  return std::make_shared<gpu_backend::Runtime>(index);
}

std::size_t gpu_memory_in_use() {
  return gpu_backend::Runtime::memory_in_use();
}

cpu::Affinity cpu_affinity() {
  return cpu::affinity();
}

int cpu_threads() {
  return cpu::Runtime::threads();
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
  if (on_cuda("copy", src.device() == Device::cuda ? src : dst, true)) gpu_backend::copy(src, dst);
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
  gpu_backend::synchronize();
}

void copy_async(const Tensor& src, Tensor& dst) {
  if (src.device() == Device::cpu && dst.device() == Device::cpu) return copy(src, dst);
  SWAG_CHECK(src.device() == Device::cpu, "copy_async is for host-to-device copies");
  if (on_cuda("copy_async", dst, true)) gpu_backend::copy_async(src, dst);
}

Event::Event(Device device) {
  if (device == Device::cpu) return;
  handle_ = gpu_backend::event_create();
}

Event::~Event() {
  gpu_backend::event_destroy(handle_);
}

Event::Event(Event&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Event& Event::operator=(Event&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

void Event::record() {
  if (handle_) gpu_backend::event_record(handle_);
}

void Event::wait() {
  if (handle_) gpu_backend::event_wait(handle_);
}

}  // namespace swag::ops
