// The ViT starts its classification head at zero, as torchvision does, so in its first step the
// logits are zero and every gradient but the head's is exactly zero: a first-step comparison of
// gradients would not see the trunk's backward at all. Tests that compare first steps give the
// head the same small random weights on every side first.
#pragma once
#include <cstdint>

#include "swag/core/rng.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/device.hpp"

namespace swag::test {

// Weights uniform in [-0.1, 0.1), the same for a given seed on any device; other models are left
// as they are.
inline void randomize_vit_head(nn::Model& model, std::uint64_t seed = 17) {
  const nn::ParameterStore& params = model.params();
  Tensor host = ops::copy_to(params.flat_values(), Device::cpu);
  Rng rng(seed);
  for (const nn::ParameterInfo& e : params.entries())
    if (e.name == "heads.head.weight")
      for (std::int64_t i = 0; i < shape_numel(e.shape); ++i)
        host.data<float>()[e.offset + i] = rng.uniform(-0.1f, 0.1f);
  Tensor values = params.flat_values();
  ops::copy(host, values);
}

}  // namespace swag::test
