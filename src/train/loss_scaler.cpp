#include "swag/train/loss_scaler.hpp"

#include "swag/core/log.hpp"

namespace swag::train {
namespace {
constexpr float kGrowthInterval = 2000.0f;
}  // namespace

LossScaler::LossScaler(DType activations, float initial_scale)
    : enabled_(activations == DType::f16), state_(Tensor::empty({2})) {
  state_.data<float>()[0] = enabled_ ? initial_scale : 1.0f;
  state_.data<float>()[1] = 0.0f;
}

float LossScaler::scale() const {
  return state_.data<float>()[0];
}

void LossScaler::overflowed(std::int64_t step) {
  float* s = state_.data<float>();
  s[0] = s[0] > 1.0f ? s[0] / 2 : s[0];
  s[1] = 0.0f;
  log::info("step {}: fp16 gradients overflowed; the update is skipped, loss scale now {}", step,
            static_cast<double>(s[0]));
}

void LossScaler::stepped() {
  if (!enabled_) return;
  float* s = state_.data<float>();
  s[1] += 1.0f;
  if (s[1] >= kGrowthInterval && s[0] < 0x1p100f) {
    s[0] *= 2;
    s[1] = 0.0f;
  }
}

}  // namespace swag::train
