#include "swag/train/weight_average.hpp"

#include <algorithm>

namespace swag::train {
namespace {

Tensor copy_of(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape());
  std::copy_n(t.data<float>(), t.numel(), c.data<float>());
  return c;
}

void blend(Tensor& average, const Tensor& current, double w) {
  float* a = average.data<float>();
  const float* x = current.data<float>();
  const auto keep = static_cast<float>(1.0 - w), take = static_cast<float>(w);
  for (std::int64_t i = 0; i < average.numel(); ++i) a[i] = keep * a[i] + take * x[i];
}

void swap_values(Tensor& a, const Tensor& b) {
  std::swap_ranges(a.data<float>(), a.data<float>() + a.numel(), b.data<float>());
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
  blend(params_, model_.params().flat_values(), weight_);
  blend(buffers_, model_.buffers().flat_values(), weight_);
}

void WeightAverage::swap_into_model() {
  swap_values(params_, model_.params().flat_values());
  swap_values(buffers_, model_.buffers().flat_values());
}

}  // namespace swag::train
