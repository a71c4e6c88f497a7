#include "swag/train/sgd.hpp"

namespace swag::train {

Sgd::Sgd(nn::ParameterStore& params, const SgdOptions& options)
    : params_(params), options_(options) {
  momentum_ = Tensor::zeros({params.size()}, DType::f32, params.flat_values().device());
  for (std::size_t i = 0; i < params.entries().size(); ++i) {
    const auto& e = params.entries()[i];
    values_.push_back(params.value(static_cast<int>(i)));
    grads_.push_back(params.grad(static_cast<int>(i)));
    buffers_.push_back(
        Tensor::view(momentum_.data<float>() + e.offset, e.shape, DType::f32, momentum_.device()));
  }
}

void Sgd::step(float lr) {
  for (std::size_t i = 0; i < values_.size(); ++i) {
    const bool decay = params_.entries()[i].weight_decay;
    const ops::SgdUpdate u{lr, options_.momentum, decay ? options_.weight_decay : 0.0f,
                           options_.nesterov, first_step_};
    ops::sgd_update(u, values_[i], grads_[i], buffers_[i]);
  }
  first_step_ = false;
}

}  // namespace swag::train
