#include <gtest/gtest.h>

#include <cmath>

#include "swag/nn/model.hpp"
#include "swag/train/mixup.hpp"
#include "swag/train/weight_average.hpp"

using namespace swag;

TEST(Mixup, MixesEachSampleWithTheNextOne) {
  Tensor images = Tensor::empty({3, 2}), targets = Tensor::zeros({3, 3});
  const float x[] = {1, 2, 3, 4, 5, 6};
  std::copy(x, x + 6, images.data<float>());
  for (int i = 0; i < 3; ++i) targets.data<float>()[i * 3 + i] = 1.0f;  // one-hot
  train::mixup(images, targets, 0.75f);
  // x_i <- 0.75 x_i + 0.25 x_{(i+1) mod 3}
  const float expected[] = {1.5f, 2.5f, 3.5f, 4.5f, 4.0f, 5.0f};
  for (int k = 0; k < 6; ++k) EXPECT_FLOAT_EQ(images.data<float>()[k], expected[k]) << k;
  const float soft[] = {0.75f, 0.25f, 0, 0, 0.75f, 0.25f, 0.25f, 0, 0.75f};
  for (int k = 0; k < 9; ++k) EXPECT_FLOAT_EQ(targets.data<float>()[k], soft[k]) << k;
}

TEST(Mixup, BetaDrawsHaveTheClosedFormMoments) {
  // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); for a = 0.1, P(λ < 0.05) is large.
  for (double a : {0.1, 0.4, 2.0}) {
    Rng rng(3, static_cast<std::uint64_t>(a * 10));
    const int n = 200000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const double l = train::beta_sample(rng, a);
      ASSERT_TRUE(l >= 0 && l <= 1) << l;
      sum += l;
      sum2 += l * l;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    const double expected_var = 1.0 / (4.0 * (2.0 * a + 1.0));
    EXPECT_NEAR(mean, 0.5, 0.005) << a;
    EXPECT_NEAR(var, expected_var, 0.01 * expected_var + 0.001) << a;
  }
  EXPECT_EQ(train::mixup_lambda(1, 5, 0, 0.1), train::mixup_lambda(1, 5, 0, 0.1));
  EXPECT_NE(train::mixup_lambda(1, 5, 0, 0.1), train::mixup_lambda(1, 6, 0, 0.1));
}

TEST(WeightAverage, FollowsTheClosedForm) {
  // With the weights held at v after starting from v0, the average after k updates is
  // v + (v0 - v)(1 - w)^k; swapping twice restores the model.
  auto model = nn::create_model("regnety_test", {2, 16, 3});
  model->allocate(1);
  Tensor p = model->params().flat_values();
  const float v0 = p.data<float>()[0];
  train::WeightAverage ema(*model, 0.1);
  const float v = v0 + 1.0f;
  for (int k = 0; k < 5; ++k) {
    p.data<float>()[0] = v;
    ema.update();
  }
  EXPECT_NEAR(ema.params().data<float>()[0], v + (v0 - v) * std::pow(0.9, 5), 1e-6);
  ema.swap_into_model();
  EXPECT_NEAR(p.data<float>()[0], v + (v0 - v) * std::pow(0.9, 5), 1e-6);
  ema.swap_into_model();
  EXPECT_EQ(p.data<float>()[0], v);
}
