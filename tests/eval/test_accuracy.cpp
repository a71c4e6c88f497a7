#include <gtest/gtest.h>

#include "swag/eval/accuracy.hpp"

using namespace swag;

TEST(Accuracy, TopOneAndTopFiveOnAHandcraftedCase) {
  // 4 images, 6 classes. Ranks of the true class: 0, 2, 5 (last), 1 (tie broken by index).
  const std::vector<float> scores = {
      0.9f, 0.1f, 0.0f, 0.0f, 0.0f, 0.0f,  // label 0: top-1
      0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.0f,  // label 2: third
      0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.0f,  // label 5: sixth, outside the top 5
      0.3f, 0.3f, 0.1f, 0.1f, 0.1f, 0.1f,  // label 1: tied with class 0, which ranks first
  };
  Tensor t = Tensor::empty({4, 6});
  std::copy(scores.begin(), scores.end(), t.data<float>());
  const std::vector<std::int32_t> labels = {0, 2, 5, 1};
  const auto c = eval::count_topk(t, labels);
  EXPECT_EQ(c.n, 4);
  EXPECT_EQ(c.top1, 1);
  EXPECT_EQ(c.top5, 3);
  EXPECT_DOUBLE_EQ(c.top1_accuracy(), 0.25);
  EXPECT_DOUBLE_EQ(c.top5_accuracy(), 0.75);
  EXPECT_EQ(eval::rank_of({scores.data() + 18, 6}, 1), 1);
  EXPECT_EQ(eval::rank_of({scores.data() + 18, 6}, 0), 0);
}

TEST(Accuracy, UnlabelledRowsAreNotCounted) {
  Tensor t = Tensor::zeros({3, 2});
  t.data<float>()[1] = 1.0f;  // row 0 predicts class 1
  const std::vector<std::int32_t> labels = {1, -1, -1};
  const auto c = eval::count_topk(t, labels);
  EXPECT_EQ(c.n, 1);
  EXPECT_EQ(c.top1, 1);
}
