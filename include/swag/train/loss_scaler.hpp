// Dynamic loss scaling for fp16 activations (doc/mixed_precision.md), with PyTorch GradScaler's
// defaults: the loss gradient is multiplied by scale() (2^16 at first), the fp32 gradients are
// divided by it before clipping and the update; a step whose gradients are not finite is
// skipped and halves the scale, and 2000 good steps in a row double it. Off (scale 1, nothing to
// skip) for f32 and bf16, whose range is fp32's.
#pragma once
#include <cstdint>

#include "swag/core/tensor.hpp"

namespace swag::train {

class LossScaler {
 public:
  explicit LossScaler(DType activations, float initial_scale = 65536.0f);
  bool enabled() const { return enabled_; }
  float scale() const;
  // After a step's gradients were found not finite: halves the scale (the step is skipped).
  void overflowed(std::int64_t step);
  // After an applied update: counts towards doubling the scale.
  void stepped();
  // {scale, good steps in a row}, on the host: saved in checkpoints as /extra/loss_scaler.
  Tensor& state() { return state_; }

 private:
  bool enabled_;
  Tensor state_;
};

}  // namespace swag::train
