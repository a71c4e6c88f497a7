#include "swag/nn/build_context.hpp"

#include "swag/nn/activation_arena.hpp"

namespace swag::nn {

Tensor Placement::activation(const Shape& shape) const {
  return arena ? arena->take(shape, activations, device)
               : Tensor::empty(shape, activations, device);
}

Scratch Scratch::allocate(const ScratchSizes& sizes, const Placement& at) {
  auto make = [&](std::int64_t n) { return at.activation({n}); };
  return {make(sizes.a), make(sizes.b), make(sizes.c), make(sizes.d), make(sizes.e)};
}

std::size_t Scratch::bytes() const {
  return a.nbytes() + b.nbytes() + c.nbytes() + d.nbytes() + e.nbytes();
}

Tensor view_as(const Tensor& buffer, const Shape& shape) {
  SWAG_CHECK(shape_numel(shape) <= buffer.numel(), "scratch of {} elements viewed as {}",
             buffer.numel(), shape_str(shape));
  return Tensor::view(buffer.raw(), shape, buffer.dtype(), buffer.device());
}

}  // namespace swag::nn
