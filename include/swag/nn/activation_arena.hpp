// Activation recomputation (doc/memory.md): the activations inside a block (all but its output)
// live only while that block runs. Every block takes them from one buffer, sized for the
// largest block by a first pass of the blocks' allocation that allocates nothing; backward runs
// each block's forward again, just before that block's backward.
#pragma once
#include <cstddef>
#include <functional>

#include "swag/nn/build_context.hpp"

namespace swag::nn {

class ActivationArena {
 public:
  // allocate_block(i, outer, inner): block i takes its output from `outer` and the activations
  // inside it from `inner`. Called twice per block: measuring (every activation a storage-less
  // view), then for real, once the buffer exists.
  using BlockAllocator = std::function<void(std::size_t, const Placement&, const Placement&)>;
  void allocate_blocks(const Placement& at, std::size_t count,
                       const BlockAllocator& allocate_block);
  // The shared buffer's size: the largest block's inner activations.
  std::size_t bytes() const { return largest_; }

  // For Placement::activation: the next `shape` of `dtype` in the current block's part of the
  // buffer (storage-less while measuring).
  Tensor take(const Shape& shape, DType dtype, Device device);

 private:
  void start_block() { offset_ = 0; }

  Tensor buffer_;  // u8; empty while measuring
  std::size_t offset_ = 0, largest_ = 0;
};

}  // namespace swag::nn
