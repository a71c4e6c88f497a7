// One training-mode pass: forward, softmax cross-entropy on soft targets, backward. Fills the
// model's parameter gradients and returns the loss.
#pragma once
#include "swag/nn/model.hpp"

namespace swag::train {

class ForwardBackward {
 public:
  explicit ForwardBackward(const nn::Model& model);
  // loss_scale multiplies the loss's gradient (fp16 loss scaling; the loss itself is unscaled).
  double run(nn::Model& model, const Tensor& images, const Tensor& targets,
             float loss_scale = 1.0f);
  const Tensor& probs() const { return probs_; }
  const Tensor& logits() const { return *logits_; }  // of the last run

 private:
  Tensor probs_, dlogits_;
  const Tensor* logits_ = nullptr;
};

}  // namespace swag::train
