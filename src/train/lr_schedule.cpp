#include "swag/train/lr_schedule.hpp"

#include <cmath>
#include <numbers>

#include "swag/core/error.hpp"

namespace swag::train {

std::int64_t LrSchedule::warmup_steps() const {
  return static_cast<std::int64_t>(
      std::llround(warmup_fraction * static_cast<double>(total_steps)));
}

double LrSchedule::at(std::int64_t step) const {
  SWAG_CHECK(step >= 0 && step < total_steps, "lr at step {} of {}", step, total_steps);
  const std::int64_t warmup = warmup_steps();
  if (step < warmup) {
    const double t = static_cast<double>(step) / static_cast<double>(warmup);
    return base_lr * (0.1 + 0.9 * t);
  }
  const std::int64_t decay_steps = total_steps - warmup;
  if (decay_steps <= 1) return base_lr;
  const double t = static_cast<double>(step - warmup) / static_cast<double>(decay_steps - 1);
  return base_lr * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
}

double scaled_lr(double lr, std::int64_t global_batch, std::int64_t reference_batch) {
  return lr * static_cast<double>(global_batch) / static_cast<double>(reference_batch);
}

}  // namespace swag::train
