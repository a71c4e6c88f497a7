// Moving tensors between the host and the GPU, and waiting for the GPU, for code that does not
// know which backend it runs on (models, trainers, commands).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

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

}  // namespace swag::ops
