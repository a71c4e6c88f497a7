#include "swag/nn/activation_arena.hpp"

#include <algorithm>

namespace swag::nn {
namespace {

// Every activation starts on a 256-byte boundary, as cudaMalloc's do: cuBLASLt and cuDNN pick
// their fastest algorithms for aligned operands.
constexpr std::size_t kAlignment = 256;

}  // namespace

void ActivationArena::allocate_blocks(const Placement& at, std::size_t count,
                                      const BlockAllocator& allocate_block) {
  // Measuring: the blocks' outputs go to a second measuring arena, so this pass allocates no
  // activation at all (the step's peak memory is not raised by it).
  ActivationArena outputs;
  const Placement outer{at.device, at.activations, &outputs};
  const Placement inner{at.device, at.activations, this};
  buffer_ = Tensor();
  largest_ = 0;
  for (std::size_t i = 0; i < count; ++i) {
    start_block();
    allocate_block(i, outer, inner);
  }
  buffer_ = Tensor::empty({static_cast<std::int64_t>(std::max<std::size_t>(largest_, 1))},
                          DType::u8, at.device);
  for (std::size_t i = 0; i < count; ++i) {
    start_block();
    allocate_block(i, at, inner);
  }
}

Tensor ActivationArena::take(const Shape& shape, DType dtype, Device device) {
  const std::size_t begin = offset_;
  const std::size_t bytes = static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype);
  offset_ = (begin + bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (buffer_.raw() == nullptr) {  // measuring
    largest_ = std::max(largest_, begin + bytes);
    return Tensor::view(nullptr, shape, dtype, device);
  }
  SWAG_CHECK(begin + bytes <= buffer_.nbytes(),
             "activation arena: a block asked for {} bytes at {} of {}", bytes, begin,
             buffer_.nbytes());
  return Tensor::view(static_cast<char*>(buffer_.raw()) + begin, shape, dtype, device);
}

}  // namespace swag::nn
