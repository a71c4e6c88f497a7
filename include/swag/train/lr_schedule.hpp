// The paper's learning-rate schedule (§3.2): linear warm-up over the first warmup_fraction of
// the updates from base/10 to base, then a half-cosine from base to 0 at the last update.
#pragma once
#include <cstdint>

namespace swag::train {

struct LrSchedule {
  double base_lr = 0.1;  // already scaled to the global batch
  std::int64_t total_steps = 1;
  double warmup_fraction = 0.05;

  std::int64_t warmup_steps() const;
  double at(std::int64_t step) const;  // step in [0, total_steps)
};

// Linear scaling rule: lr per reference batch (256 images for RegNetY, 8192 for ViT) scaled to
// the global batch.
double scaled_lr(double lr, std::int64_t global_batch, std::int64_t reference_batch);

}  // namespace swag::train
