// Zero-shot aggregation (App. D) on a handcrafted mapping with closed-form answers.
#include <gtest/gtest.h>

#include <vector>

#include "swag/core/error.hpp"
#include "swag/eval/zero_shot_scores.hpp"

namespace swag::eval {
namespace {

// Five hashtag classes, four targets: hashtag 1 is shared by targets 0 and 1 (N_1 = 2),
// hashtag 3 maps nowhere, target 3 has no hashtag.
const ClassMapping kMapping = {{0, 1}, {2, 1}, {4}, {}};

Tensor two_rows() {
  Tensor p = Tensor::empty({2, 5});
  const float v[] = {0.10f, 0.20f, 0.30f, 0.15f, 0.25f,  //
                     0.50f, 0.30f, 0.05f, 0.10f, 0.05f};
  std::copy(v, v + 10, p.data<float>());
  return p;
}

void expect_rows(const Tensor& s, const std::vector<float>& expected) {
  ASSERT_EQ(s.shape(), (Shape{2, 4}));
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(s.data<float>()[i], expected[i], 1e-6f) << "element " << i;
}

TEST(ZeroShotScores, Sum) {
  expect_rows(zero_shot_scores(two_rows(), kMapping, Aggregate::sum),
              {0.30f, 0.50f, 0.25f, 0, 0.80f, 0.35f, 0.05f, 0});
}

TEST(ZeroShotScores, Mean) {
  expect_rows(zero_shot_scores(two_rows(), kMapping, Aggregate::mean),
              {0.15f, 0.25f, 0.25f, 0, 0.40f, 0.175f, 0.05f, 0});
}

TEST(ZeroShotScores, Max) {
  expect_rows(zero_shot_scores(two_rows(), kMapping, Aggregate::max),
              {0.20f, 0.30f, 0.25f, 0, 0.50f, 0.30f, 0.05f, 0});
}

TEST(ZeroShotScores, SplitMaxSharesAHashtagAmongItsTargets) {
  // Hashtag 1 gives half of its score to each of targets 0 and 1: row 0, target 0 is
  // max(0.10, 0.20 / 2) and target 1 max(0.30, 0.10); row 1, target 1 is max(0.05, 0.15).
  expect_rows(zero_shot_scores(two_rows(), kMapping, Aggregate::split_max),
              {0.10f, 0.30f, 0.25f, 0, 0.50f, 0.15f, 0.05f, 0});
  EXPECT_EQ(targets_per_hashtag(kMapping, 5), (std::vector<std::int64_t>{1, 2, 1, 0, 1}));
}

TEST(ZeroShotScores, Names) {
  for (const auto a : {Aggregate::sum, Aggregate::mean, Aggregate::max, Aggregate::split_max})
    EXPECT_EQ(parse_aggregate(aggregate_name(a)), a);
  try {
    parse_aggregate("median");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
  }
}

ExitCode mapping_error(const ClassMapping& m) {
  try {
    zero_shot_scores(two_rows(), m, Aggregate::sum);
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

TEST(ZeroShotScores, RejectsBadMappings) {
  EXPECT_EQ(mapping_error({{0}, {5}}), ExitCode::input);   // only 5 hashtag classes
  EXPECT_EQ(mapping_error({{0, 2, 0}}), ExitCode::input);  // listed twice
  EXPECT_EQ(mapping_error({{0, 4}, {4}}), ExitCode::ok);
}

TEST(ZeroShotScores, NormalizedRowsLieOnTheSimplex) {
  Tensor s = zero_shot_scores(two_rows(), kMapping, Aggregate::sum);
  Tensor zero = Tensor::zeros({1, 4});
  normalize_rows(s);
  normalize_rows(zero);
  const float* r = s.data<float>();
  EXPECT_NEAR(r[0], 0.30f / 1.05f, 1e-6f);
  EXPECT_NEAR(r[1], 0.50f / 1.05f, 1e-6f);
  EXPECT_NEAR(r[4], 0.80f / 1.20f, 1e-6f);
  EXPECT_EQ(r[3], 0.0f);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(zero.data<float>()[k], 0.25f);
}

}  // namespace
}  // namespace swag::eval
