// What crosses between the host and the device a run computes on: the step's batch, which the
// loader fills on the host, and the initial weights, which MPI broadcasts from host memory.
#pragma once
#include <vector>

#include "swag/core/tensor.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/device.hpp"

namespace swag::train {

// Images and targets on the host, and on the model's device when that is a GPU.
//
// On the host the source fills the f32 tensors the step reads, in place. On a GPU it fills one
// of two page-locked host buffers, alternating per step, and upload() queues their
// asynchronous copy on the GPU's stream and records an event after it; before the source
// refills a buffer (two steps later), host_images()/host_targets() wait for that event, so the
// host prepares step k + 1 while the GPU still copies or computes step k, and never overwrites
// a buffer that a queued copy has yet to read. With u8 pixels (NHWC [N, H, W, 3] bytes, what
// data::Loader writes for a u8 batch) a quarter of the bytes cross, and ops::normalize_images
// turns them into the images on the GPU, bit for bit what the loader's f32 fill gives, or in
// `normalized` (the model's 16-bit activation type) that rounded once, as Model::forward would.
class StagedBatch {
 public:
  // pixels: what the source fills on a GPU, f32 or u8 (BatchSource::fills_u8); u8 needs NHWC
  // images with 3 channels, and on the host the batch is f32 whatever `pixels` says.
  // Fine-tuning keeps f32: mixup blends the host images as floats between fill and upload.
  StagedBatch(const Shape& images, const Shape& targets, Device device, DType pixels = DType::f32,
              DType normalized = DType::f32);
  // What the source fills for the coming step (host_images is u8 or f32, as host_pixels()).
  // On a GPU, the first call after an upload waits until the copy that last read this buffer
  // is done (the copy queued two steps back).
  Tensor& host_images() { return acquire().images; }
  Tensor& host_targets() { return acquire().targets; }
  DType host_pixels() const { return buffers_.front().images.dtype(); }
  // Queues the copy of the host buffers to the device (and the normalization of u8 pixels),
  // in stream order before the step, and returns without waiting for it; a no-op on the host.
  void upload();
  // What the step reads.
  const Tensor& images() const { return images_; }
  const Tensor& targets() const { return targets_; }

 private:
  struct Buffer {
    Tensor images, targets;
    ops::Event copied;  // recorded after the copies that read this buffer
  };
  Buffer& acquire();

  // Declared first, so destroyed last: the device tensors' cudaFree waits for the queued work,
  // copies from these buffers included, before the buffers go.
  std::vector<Buffer> buffers_;  // one on the host (the step's own tensors), two on a GPU
  std::size_t current_ = 0;
  bool acquired_ = false;  // current_ is free to fill (its copy has been waited for)
  Tensor device_pixels_;   // u8 pixels on the GPU, when the host buffers hold u8
  Tensor images_, targets_;
};

// Rank 0's parameters and buffers to every rank, through host copies on a GPU.
void broadcast_weights(const dist::Communicator& comm, nn::Model& model);

}  // namespace swag::train
