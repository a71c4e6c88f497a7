// What crosses between the host and the device a run computes on: the step's batch, which the
// loader fills on the host, and the initial weights, which MPI broadcasts from host memory.
#pragma once
#include "swag/core/tensor.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"

namespace swag::train {

// Images and targets on the host, and on the model's device when that is a GPU.
class StagedBatch {
 public:
  StagedBatch(const Shape& images, const Shape& targets, Device device);
  // What the loader fills.
  Tensor& host_images() { return host_images_; }
  Tensor& host_targets() { return host_targets_; }
  // Copies the host batch to the device (a no-op on the host), in stream order before the step.
  void upload();
  // What the step reads.
  const Tensor& images() const { return images_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor host_images_, host_targets_, images_, targets_;
};

// Rank 0's parameters and buffers to every rank, through host copies on a GPU.
void broadcast_weights(const dist::Communicator& comm, nn::Model& model);

}  // namespace swag::train
