#include "swag/train/weight_average.hpp"

#include "swag/ops/optimizer_update.hpp"

namespace swag::train {
namespace {

// A copy on the tensor's device; the element-wise work below runs there too (ops dispatch).
Tensor copy_of(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape(), DType::f32, t.device());
  ops::copy_values(t, c);
  return c;
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
