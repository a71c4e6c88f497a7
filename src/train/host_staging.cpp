#include "swag/train/host_staging.hpp"

#include "swag/ops/device.hpp"
#include "swag/ops/normalize.hpp"

namespace swag::train {

StagedBatch::StagedBatch(const Shape& images, const Shape& targets, Device device, DType pixels,
                         DType normalized) {
  SWAG_CHECK(pixels == DType::f32 || pixels == DType::u8, "staged images of {}",
             dtype_name(pixels));
  if (device == Device::cpu) {
    images_ = Tensor::empty(images);
    targets_ = Tensor::empty(targets);
    buffers_.push_back({images_, targets_, ops::Event(Device::cpu)});
    return;
  }
  targets_ = Tensor::empty(targets, DType::f32, device);
  if (images.size() != 4 || images[3] != 3) pixels = DType::f32;  // normalize_images is NHWC RGB
  images_ = Tensor::empty(images, pixels == DType::u8 ? normalized : DType::f32, device);
  if (pixels == DType::u8) device_pixels_ = Tensor::empty(images, DType::u8, device);
  for (int b = 0; b < 2; ++b)
    buffers_.push_back(
        {Tensor::empty_pinned(images, pixels), Tensor::empty_pinned(targets), ops::Event(device)});
}

StagedBatch::Buffer& StagedBatch::acquire() {
  Buffer& b = buffers_[current_];
  if (!acquired_) {
    b.copied.wait();
    acquired_ = true;
  }
  return b;
}

void StagedBatch::upload() {
  if (buffers_.size() == 1) return;  // on the host: the step reads the filled tensors
  Buffer& b = acquire();
  if (b.images.dtype() == DType::u8) {
    ops::copy_async(b.images, device_pixels_);
    ops::normalize_images(device_pixels_, images_);
  } else {
    ops::copy_async(b.images, images_);
  }
  ops::copy_async(b.targets, targets_);
  b.copied.record();
  current_ = (current_ + 1) % buffers_.size();
  acquired_ = false;
}

void broadcast_weights(const dist::Communicator& comm, nn::Model& model) {
  for (Tensor t : {model.params().flat_values(), model.buffers().flat_values()}) {
    Tensor host = ops::host_side(t);
    comm.broadcast(host);
    if (host.raw() != t.raw()) ops::copy(host, t);
  }
}

}  // namespace swag::train
