#include "swag/nn/model.hpp"

#include "swag/core/float_types.hpp"
#include "swag/ops/convert.hpp"

namespace swag::nn {

void Model::allocate(std::uint64_t seed, Device device, DType activations,
                     bool recompute_activations) {
  SWAG_CHECK(is_float_type(activations), "activations stored as {}", dtype_name(activations));
  placement_ = {device, activations};
  arena_ = recompute_activations ? std::make_unique<ActivationArena>() : nullptr;
  params_.allocate(device, activations);
  buffers_.allocate(device);
  params_.initialize(seed);
  buffers_.initialize(seed);
  scratch_ = Scratch::allocate(scratch_sizes(), placement_);
  allocate_layers(placement_);
  if (activations == DType::f32) return;
  images_ = placement_.activation(input_shape());
  logits_ = placement_.f32({dims_.batch, dims_.num_classes});
  dlogits_ = placement_.activation({dims_.batch, dims_.num_classes});
  features_ = placement_.f32(trunk_features().shape());
}

void Model::allocate_blocks(const Placement& at, std::size_t count,
                            const ActivationArena::BlockAllocator& allocate_block) {
  if (arena_) return arena_->allocate_blocks(at, count, allocate_block);
  for (std::size_t i = 0; i < count; ++i) allocate_block(i, at, at);
}

const Tensor& Model::forward(const Tensor& images, bool train) {
  if (placement_.activations == DType::f32) return forward_layers(images, train);
  params_.refresh_compute_copy();
  const bool converted = images.dtype() != placement_.activations;
  if (converted) ops::convert(images, images_);
  ops::convert(forward_layers(converted ? images_ : images, train), logits_);
  ops::convert(trunk_features(), features_);
  return logits_;
}

void Model::backward(const Tensor& dlogits) {
  if (placement_.activations == DType::f32) return backward_layers(dlogits);
  ops::convert(dlogits, dlogits_);
  backward_layers(dlogits_);
}

const Tensor& Model::features() const {
  return placement_.activations == DType::f32 ? trunk_features() : features_;
}

}  // namespace swag::nn
