// The exponential moving average of the weights that fine-tuning evaluates (§4.1; DESIGN §4:
// the paper's "decay 1e-4" is the weight of the new values): after every update,
// ema <- (1 - w) * ema + w * current, over the flat parameters and buffers (BN statistics).
#pragma once
#include "swag/nn/model.hpp"

namespace swag::train {

class WeightAverage {
 public:
  // Starts at the model's current weights.
  WeightAverage(nn::Model& model, double weight);
  void update();
  // Exchanges the averaged and the current weights in the model (call twice to undo).
  void swap_into_model();
  // The flat averages, for checkpoints.
  Tensor& params() { return params_; }
  Tensor& buffers() { return buffers_; }

 private:
  nn::Model& model_;
  double weight_;
  Tensor params_, buffers_;
};

}  // namespace swag::train
