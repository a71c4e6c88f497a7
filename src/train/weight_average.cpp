#include "swag/train/weight_average.hpp"

#include "swag/ops/device.hpp"
#include "swag/ops/optimizer_update.hpp"

namespace swag::train {
namespace {

// The averages live on the model's device, and the updates run there (ops dispatch).
Tensor copy_of(const Tensor& t) {
  return ops::copy_to(t, t.device());
}

}  // namespace

WeightAverage::WeightAverage(nn::Model& model, double weight)
    : model_(model),
      weight_(weight),
      params_(copy_of(model.params().flat_values())),
      buffers_(copy_of(model.buffers().flat_values())) {
  SWAG_CHECK(weight > 0 && weight <= 1, "EMA weight {} is not in (0, 1]", weight);
}

void WeightAverage::update() {
  ops::ema_update(params_, model_.params().flat_values(), weight_);
  ops::ema_update(buffers_, model_.buffers().flat_values(), weight_);
}

void WeightAverage::swap_into_model() {
  Tensor params = model_.params().flat_values(), buffers = model_.buffers().flat_values();
  ops::swap_values(params_, params);
  ops::swap_values(buffers_, buffers);
}

}  // namespace swag::train
