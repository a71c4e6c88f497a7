#include "swag/nn/model_stats.hpp"

#include <algorithm>

#include "swag/nn/parameter_store.hpp"

namespace swag::nn {

void ModelStats::add_conv(const ops::Conv2dDesc& d) {
  const std::int64_t outputs = d.out_height() * d.out_width() * d.out_channels;
  count_macs(d.macs() / batch + (d.bias ? outputs : 0));
  activations += outputs;
  add_activation(shape_numel(d.output_shape()));
  add_activation(shape_numel(d.input_shape()));
}

void ModelStats::add_linear(const ops::LinearDesc& d) {
  const std::int64_t rows_per_image = d.rows / batch;
  count_macs((d.in_features * d.out_features + (d.bias ? d.out_features : 0)) * rows_per_image);
  activations += d.out_features * rows_per_image;
  add_activation(d.rows * d.out_features);
}

void ModelStats::add_attention(const ops::AttentionDesc& d) {
  count_macs(d.macs() / batch);
  const std::int64_t probs = d.heads * d.tokens * d.tokens, context = d.tokens * d.dim;
  activations += probs + context;
  add_activation(batch * probs);
  add_activation(batch * 3 * context);  // the qkv gradient
}

void ModelStats::count_macs(std::int64_t layer_macs) {
  macs += layer_macs;
  layers.push_back({params ? params->size() : 0, layer_macs});
}

void ModelStats::add_activation(std::int64_t batch_elements) {
  max_activation = std::max(max_activation, batch_elements);
}

}  // namespace swag::nn
