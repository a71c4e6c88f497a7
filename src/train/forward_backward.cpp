#include "swag/train/forward_backward.hpp"

#include "swag/ops/cross_entropy.hpp"

namespace swag::train {

ForwardBackward::ForwardBackward(const nn::Model& model) {
  const Shape shape{model.dims().batch, model.dims().num_classes};
  probs_ = Tensor::empty(shape, DType::f32, model.device());
  dlogits_ = Tensor::empty(shape, DType::f32, model.device());
}

double ForwardBackward::run(nn::Model& model, const Tensor& images, const Tensor& targets,
                            float loss_scale) {
  logits_ = &model.forward(images, /*train=*/true);
  const double loss = ops::softmax_cross_entropy_forward(*logits_, targets, probs_);
  ops::softmax_cross_entropy_backward(probs_, targets, loss_scale, dlogits_);
  model.backward(dlogits_);
  return loss;
}

}  // namespace swag::train
