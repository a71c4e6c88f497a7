#include <gtest/gtest.h>

#include "swag/core/error.hpp"
#include "swag/train/lr_schedule.hpp"

using swag::train::LrSchedule;

TEST(LrSchedule, WarmupFromATenthThenHalfCosineToZero) {
  const LrSchedule s{3.2, 1000, 0.05};
  EXPECT_EQ(s.warmup_steps(), 50);
  EXPECT_DOUBLE_EQ(s.at(0), 0.32);
  EXPECT_DOUBLE_EQ(s.at(25), 3.2 * (0.1 + 0.9 * 0.5));
  EXPECT_DOUBLE_EQ(s.at(50), 3.2);     // end of warm-up: the full rate
  EXPECT_NEAR(s.at(999), 0.0, 1e-15);  // the last update at 0
  // Half-way through the cosine: half the rate.
  EXPECT_NEAR(s.at(50 + (949 / 2)), 1.6, 3.2 * 2e-3);
  for (std::int64_t t = 51; t < 1000; ++t) EXPECT_LT(s.at(t), s.at(t - 1));
  EXPECT_THROW(s.at(1000), swag::Error);
}

TEST(LrSchedule, LinearScalingRule) {
  EXPECT_DOUBLE_EQ(swag::train::scaled_lr(0.1, 8192, 256), 3.2);     // RegNetY
  EXPECT_DOUBLE_EQ(swag::train::scaled_lr(4e-4, 4096, 8192), 2e-4);  // ViT
}
