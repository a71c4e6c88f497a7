// Size accounting filled in while a model is declared, before any memory is allocated:
// parameters, multiply-accumulates and activations per image, as pycls/fvcore count them
// (MACs of convolutions and linear layers; activations = elements of every conv/linear output).
// A ViT's attention adds the MACs of its two products and the elements of its probabilities
// and context, as in the reference sizes of ../shared/reference/models.json.
#pragma once
#include <cstdint>
#include <vector>

#include "swag/ops/attention.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/linear.hpp"

namespace swag::nn {

class ParameterStore;

struct ModelStats {
  // A layer's MACs per image, at the end of its parameters in the flat buffer (where the
  // parameter store stood when it was counted): which gradient bucket its backward fills.
  struct LayerMacs {
    std::int64_t params_end, macs;
  };
  std::int64_t batch = 1;                  // of the descriptors reported here
  const ParameterStore* params = nullptr;  // the model's, as layers declare into it
  std::int64_t macs = 0;                   // per image
  std::vector<LayerMacs> layers;
  std::int64_t activations = 0;     // per image
  std::int64_t max_activation = 0;  // largest single activation of the whole batch, in elements

  void add_conv(const ops::Conv2dDesc& d);
  void add_linear(const ops::LinearDesc& d);
  // The two products Q Kᵀ and P V; activations are the probabilities and the context.
  void add_attention(const ops::AttentionDesc& d);
  void add_activation(std::int64_t batch_elements);

 private:
  void count_macs(std::int64_t layer_macs);
};

}  // namespace swag::nn
