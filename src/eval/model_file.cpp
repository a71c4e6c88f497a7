#include "swag/eval/model_file.hpp"

#include "swag/nn/weights.hpp"

namespace swag::eval {

std::unique_ptr<nn::Model> load_model(const std::string& path, std::int64_t batch,
                                      std::int64_t resolution, Device device) {
  const nn::WeightsHeader h = nn::read_weights_header(path);
  if (resolution == 0) resolution = h.resolution != 0 ? h.resolution : 224;
  auto model = nn::create_model(h.model, {batch, resolution, h.num_classes, h.pre_logits});
  model->allocate(0, device);
  nn::load_weights(path, *model, /*adapt_resolution=*/true);
  return model;
}

}  // namespace swag::eval
