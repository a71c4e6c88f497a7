// Moving tensors between the host and the GPU, and waiting for the GPU, for code that does not
// know which backend it runs on (models, trainers, commands).
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "swag/backends/cpu/runtime.hpp"
#include "swag/core/tensor.hpp"

namespace swag::ops {

// The backends this build has, with the versions of the libraries it was compiled against:
// "cpu", or "cpu cuda (CUDA 13.0, cuDNN 9.8.0, NCCL 2.26.2)".
std::string backends_description();
// The GPUs the CUDA runtime sees, "2 visible" or "0 (<cuda error name>: <text>)"; empty in a
// build without CUDA. Needs no GPU and never throws.
std::string visible_gpus_description();

// For the code that picks the device (train::DeviceScope, swag bench): whether this build has a
// GPU backend; the GPUs this process sees (0 without a driver, a device or a GPU backend; never
// throws) and, when none, why in the CUDA runtime's words; GPU `index` held for the ops, for as
// long as the returned handle lives (one at a time; fails without a GPU backend, with
// ExitCode::usage, or without that GPU); the bytes in use on the held GPU.
bool gpu_backend_built();
int gpu_count();
std::string no_gpu_reason();
std::shared_ptr<void> hold_gpu(int index);
std::size_t gpu_memory_in_use();
// The host's share: the CPUs this process may run on, and the CPU backend's compute threads.
cpu::Affinity cpu_affinity();
int cpu_threads();

// dst = src, same shape and dtype, any pair of devices. When dst is on the host, returns once
// the data is there; a copy to the GPU is ordered before the ops queued after it.
void copy(const Tensor& src, Tensor& dst);
// A copy of t on `device`.
Tensor copy_to(const Tensor& t, Device device);
// t itself when it is on the host, else a host copy: for file writers, checksums, MPI.
Tensor host_side(const Tensor& t);
// Writes t from the host tensor `fill` is given: t itself on the host, else a host buffer of
// t's shape that is copied to t afterwards.
template <class Fill>
void fill_through_host(Tensor& t, Fill fill) {
  if (t.device() == Device::cpu) return fill(t);
  Tensor host = Tensor::empty(t.shape(), t.dtype());
  fill(host);
  copy(host, t);
}
// Waits for the work queued on `device` (nothing to wait for on the host).
void synchronize(Device device);

// dst = src like copy, from the host to the GPU, but returning at once: the copy is queued on
// the GPU before the ops queued after it, and src must stay unchanged until an Event recorded
// after this call has completed. Truly asynchronous when src is page-locked
// (Tensor::empty_pinned). Between host tensors, a plain copy.
void copy_async(const Tensor& src, Tensor& dst);

// A point in a device's queue: record() marks the work queued so far, wait() blocks the host
// until that work is done (at once when nothing was recorded). On the host both do nothing:
// host work is done when its call returns. For the input path's double buffering
// (train/host_staging.hpp).
class Event {
 public:
  explicit Event(Device device);
  ~Event();
  Event(Event&& other) noexcept;
  Event& operator=(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void record();
  void wait();

 private:
  void* handle_ = nullptr;  // the backend's event; null on the host
};

}  // namespace swag::ops
