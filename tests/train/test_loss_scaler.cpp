#include <gtest/gtest.h>

#include "swag/train/loss_scaler.hpp"

using namespace swag;
using train::LossScaler;

TEST(LossScaler, OffWithoutFp16) {
  for (const DType t : {DType::f32, DType::bf16}) {
    LossScaler s(t);
    EXPECT_FALSE(s.enabled());
    for (int i = 0; i < 5000; ++i) s.stepped();
    EXPECT_EQ(s.scale(), 1.0f);
  }
}

// PyTorch's GradScaler defaults: init_scale 2^16, backoff 0.5, growth 2 every 2000 good steps.
TEST(LossScaler, HalvesOnOverflowAndDoublesAfter2000GoodSteps) {
  LossScaler s(DType::f16);
  ASSERT_TRUE(s.enabled());
  EXPECT_EQ(s.scale(), 65536.0f);
  s.overflowed(0);
  EXPECT_EQ(s.scale(), 32768.0f);
  for (int i = 0; i < 1999; ++i) s.stepped();
  EXPECT_EQ(s.scale(), 32768.0f);
  s.overflowed(1);  // resets the run of good steps
  EXPECT_EQ(s.scale(), 16384.0f);
  for (int i = 0; i < 1999; ++i) s.stepped();
  EXPECT_EQ(s.scale(), 16384.0f);
  s.stepped();
  EXPECT_EQ(s.scale(), 32768.0f);
  EXPECT_EQ(s.state().data<float>()[1], 0.0f);
  for (int i = 0; i < 40; ++i) s.overflowed(i);
  EXPECT_EQ(s.scale(), 1.0f);  // never below 1
}
