// A model: declared for fixed (batch, resolution, classes), then allocated once. Forward takes
// NHWC float32 images and returns float32 logits; backward takes d(loss)/d(logits) and fills the
// fp32 parameter gradients. No autograd: each layer has an explicit backward. Inside, the
// activations are stored in the type allocate() was given (doc/mixed_precision.md).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "swag/nn/activation_arena.hpp"
#include "swag/nn/build_context.hpp"
#include "swag/nn/model_stats.hpp"
#include "swag/nn/parameter_store.hpp"

namespace swag::nn {

struct ModelDims {
  std::int64_t batch = 1;
  std::int64_t resolution = 224;
  std::int64_t num_classes = 1000;
  // ViT only: the pre-training head (heads.pre_logits, D->D linear and tanh before the
  // classifier, paper section 3.2); fine-tuning and evaluation models go without it.
  bool pre_logits = false;
};

struct StageInfo {
  std::int64_t width, depth, groups;
};

class Model {
 public:
  Model(std::string name, const ModelDims& dims)
      : name_(std::move(name)), dims_(dims), params_(true), buffers_(false) {
    stats_.batch = dims.batch;
    stats_.params = &params_;
  }
  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& name() const { return name_; }
  const ModelDims& dims() const { return dims_; }
  ParameterStore& params() { return params_; }
  const ParameterStore& params() const { return params_; }
  ParameterStore& buffers() { return buffers_; }
  const ModelStats& stats() const { return stats_; }
  virtual std::vector<StageInfo> stages() const = 0;

  // Allocates parameters, buffers, activations (stored as `activations`: f32, bf16 or f16) and
  // scratch, and initializes the weights. With `recompute_activations`, only each block's output
  // is kept through a training step; backward runs the blocks' forward again (doc/memory.md).
  void allocate(std::uint64_t seed, Device device = Device::cpu, DType activations = DType::f32,
                bool recompute_activations = false);
  Shape input_shape() const { return {dims_.batch, dims_.resolution, dims_.resolution, 3}; }
  // Where allocate() put parameters and activations.
  Device device() const { return placement_.device; }
  DType activation_dtype() const { return placement_.activations; }
  bool recomputes_activations() const { return arena_ != nullptr; }
  // Bytes of the gradient scratch and of the recomputation arena (0 without recomputation),
  // both proportional to the batch.
  std::size_t scratch_bytes() const { return scratch_.bytes(); }
  std::size_t recompute_buffer_bytes() const { return arena_ ? arena_->bytes() : 0; }
  // images: f32 (or already the activation type) [batch, resolution, resolution, 3]; returns f32
  // logits. With 16-bit activations it first refreshes the weights' compute copy from the fp32
  // values (so an optimizer step or a weight load is always seen) and converts f32 images.
  const Tensor& forward(const Tensor& images, bool train);
  // dlogits: f32, the shape of the logits.
  void backward(const Tensor& dlogits);
  // The trunk's output of the last forward, f32 [batch, D]: what a classifier head sees (a ViT's
  // pre-training head excluded). Linear probes train on it.
  const Tensor& features() const;

  // Whether parameter `name` belongs to the classifier head that fine-tuning replaces.
  virtual bool in_head(const std::string& name) const = 0;

  // Whether parameter `name`'s shape depends on the resolution (a ViT's position embedding),
  // and how a value stored for another resolution is carried over to this model's.
  virtual bool resolution_dependent(const std::string& /*name*/) const { return false; }
  virtual void adapt_to_resolution(const std::string& name, const Tensor& /*stored*/,
                                   Tensor& /*param*/) const {
    fail(ExitCode::failure, "parameter '{}' of {} does not depend on the resolution", name, name_);
  }

  // Called during backward with an index i: the gradients of parameters i, i+1, ... are final
  // (gradient all-reduce starts its buckets from it).
  void set_gradient_ready_hook(std::function<void(int)> hook) { ready_hook_ = std::move(hook); }
  // Sync BN: batch statistics summed over ranks by `sum` (an empty function turns it off).
  void set_batchnorm_sync(ops::CrossRankSum sum) { bn_sync_ = std::move(sum); }

 protected:
  BuildContext context() { return {params_, buffers_, stats_, dims_.batch, &bn_sync_}; }
  virtual void allocate_layers(const Placement& at) = 0;
  // The layers' passes, on tensors of the activation type.
  virtual const Tensor& forward_layers(const Tensor& images, bool train) = 0;
  virtual void backward_layers(const Tensor& dlogits) = 0;
  virtual const Tensor& trunk_features() const = 0;
  const Scratch& scratch() const { return scratch_; }
  // The gradient scratch a model's layers need (their views of it are checked at allocation):
  // by default five buffers of the largest activation.
  virtual ScratchSizes scratch_sizes() const {
    const std::int64_t m = stats_.max_activation;
    return {m, m, m, m, m};
  }
  // Allocates the `count` blocks of the trunk: each block's output from `at`, the activations
  // inside it from `at` too, or, with recomputation, from the arena that all blocks share.
  void allocate_blocks(const Placement& at, std::size_t count,
                       const ActivationArena::BlockAllocator& allocate_block);
  // With recomputation, whether block i of `count` runs its forward again before its backward:
  // all but the last, whose activations the forward pass left in the shared buffer.
  bool replays_block(std::size_t i, std::size_t count) const { return arena_ && i + 1 < count; }
  void gradients_ready_from(int first_param) const {
    if (ready_hook_) ready_hook_(first_param);
  }

 private:
  std::string name_;
  ModelDims dims_;
  ParameterStore params_, buffers_;
  ModelStats stats_;
  Scratch scratch_;
  Placement placement_;
  std::unique_ptr<ActivationArena> arena_;  // with activation recomputation
  // With 16-bit activations: the images, logits and features converted at the model's edges.
  Tensor images_, logits_, features_, dlogits_;
  std::function<void(int)> ready_hook_;
  ops::CrossRankSum bn_sync_;  // layers hold its address
};

// Presets by swag name ("regnety_16gf") or torchvision alias ("regnet_y_16gf"); the error for an
// unknown name lists the known ones.
std::unique_ptr<Model> create_model(const std::string& name, const ModelDims& dims);
std::vector<std::string> model_names();
// The swag name of a preset given by either name ("vit_b_16" -> "vit_b16").
std::string canonical_model_name(const std::string& name);

}  // namespace swag::nn
