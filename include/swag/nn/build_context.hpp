// What layers see while a model is declared: where to register parameters and buffers, where to
// account sizes, and the batch the activations are sized for.
#pragma once
#include <cstdint>

#include "swag/nn/model_stats.hpp"
#include "swag/nn/parameter_store.hpp"
#include "swag/ops/batchnorm.hpp"

namespace swag::nn {

struct BuildContext {
  ParameterStore& params;
  ParameterStore& buffers;
  ModelStats& stats;
  std::int64_t batch;
  const ops::CrossRankSum* bn_sync;  // the model's sync-BN reduction (empty: none)
};

class ActivationArena;

// Where a model's tensors live, and the type its activations are stored in (f32, bf16 or f16:
// doc/mixed_precision.md). Parameters, their gradients and norm statistics are always f32.
struct Placement {
  Device device = Device::cpu;
  DType activations = DType::f32;
  // With activation recomputation, where the activations inside a block come from (doc/memory.md).
  ActivationArena* arena = nullptr;
  // An activation-sized tensor: the layer's own, or part of the arena's shared buffer.
  Tensor activation(const Shape& shape) const;
  // Per-channel or per-row statistics, always the layer's own: batch norm replays its saved
  // statistics when a block is recomputed.
  Tensor f32(const Shape& shape) const { return Tensor::empty(shape, DType::f32, device); }
};

// What a forward pass is for. `recompute` runs a block's training forward again to rebuild its
// activations for backward (doc/memory.md): batch norm normalizes with the statistics that
// training forward saved and updates nothing, so the activations come back bit for bit.
enum class Pass { eval, train, recompute };

// Elements of each gradient scratch buffer, for the whole batch (Model::scratch_sizes).
struct ScratchSizes {
  std::int64_t a, b, c, d, e;
};

// Gradient scratch shared by all layers of a model: buffers handed out as views of the shape each
// backward step needs. Layers use them strictly in sequence; each buffer is as large as the
// largest view the model's layers take of it.
struct Scratch {
  Tensor a, b, c, d, e;
  static Scratch allocate(const ScratchSizes& sizes, const Placement& at);
  std::size_t bytes() const;
};

// A view of `buffer`'s first shape_numel(shape) elements.
Tensor view_as(const Tensor& buffer, const Shape& shape);

}  // namespace swag::nn
