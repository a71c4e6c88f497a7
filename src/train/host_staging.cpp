#include "swag/train/host_staging.hpp"

#include "swag/ops/device.hpp"

namespace swag::train {

StagedBatch::StagedBatch(const Shape& images, const Shape& targets, Device device)
    : host_images_(Tensor::empty(images)), host_targets_(Tensor::empty(targets)) {
  const bool staged = device != Device::cpu;
  images_ = staged ? Tensor::empty(images, DType::f32, device) : host_images_;
  targets_ = staged ? Tensor::empty(targets, DType::f32, device) : host_targets_;
}

void StagedBatch::upload() {
  if (images_.raw() == host_images_.raw()) return;
  ops::copy(host_images_, images_);
  ops::copy(host_targets_, targets_);
}

void broadcast_weights(const dist::Communicator& comm, nn::Model& model) {
  for (Tensor t : {model.params().flat_values(), model.buffers().flat_values()}) {
    Tensor host = ops::host_side(t);
    comm.broadcast(host);
    if (host.raw() != t.raw()) ops::copy(host, t);
  }
}

}  // namespace swag::train
