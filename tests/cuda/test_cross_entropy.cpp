// Softmax cross-entropy with soft targets on CUDA against the CPU backend on the same random
// logits and targets.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <string>

#include "parity.hpp"
#include "swag/ops/cross_entropy.hpp"

using namespace swag;
using swag::test::random_tensor;

namespace {

struct CrossEntropyCase {
  const char* name;
  std::int64_t rows, classes;
  float logit_range;  // logits uniform in [-range, range)
  int hot;            // each target row: 1/hot on `hot` random classes
};

// A single class; ImageNet-1k; a hashtag-sized vocabulary (many threads' worth of a row, more
// than one lap of the block); logits far beyond exp's range (stability).
const CrossEntropyCase kCases[] = {
    {"one_class", 5, 1, 1.0f, 1},
    {"imagenet", 64, 1000, 4.0f, 1},
    {"hashtags_soft", 3, 17000, 4.0f, 3},
    {"huge_logits", 9, 300, 500.0f, 2},
};

Tensor soft_targets(std::int64_t rows, std::int64_t classes, int hot) {
  Tensor t = Tensor::zeros({rows, classes});
  Rng rng(20240601, 50);
  for (std::int64_t i = 0; i < rows; ++i)
    for (int k = 0; k < hot; ++k) {
      const auto j = static_cast<std::int64_t>(rng.uniform() * static_cast<float>(classes));
      t.data<float>()[i * classes + (j < classes ? j : classes - 1)] += 1.0f / hot;
    }
  return t;
}

class CrossEntropyParity : public ::testing::TestWithParam<CrossEntropyCase> {};

TEST_P(CrossEntropyParity, ForwardAndBackwardMatchTheCpuBackend) {
  const CrossEntropyCase& p = GetParam();
  const Shape shape{p.rows, p.classes};
  Tensor z = random_tensor(shape, 51);
  for (std::int64_t i = 0; i < z.numel(); ++i) z.data<float>()[i] *= p.logit_range;
  const Tensor t = soft_targets(p.rows, p.classes, p.hot);
  const Tensor gz = cuda::to_device(z), gt = cuda::to_device(t);

  Tensor probs = Tensor::empty(shape), gprobs = test::device_garbage(shape);
  const double loss = ops::softmax_cross_entropy_forward(z, t, probs);
  const double gloss = ops::softmax_cross_entropy_forward(gz, gt, gprobs);
  EXPECT_NEAR(gloss, loss, test::kFp32Tolerance * std::fabs(loss)) << "loss";
  // Probabilities relative to themselves, however small (a floor of FLT_MIN).
  Tensor tiny = Tensor::empty(shape);
  for (std::int64_t i = 0; i < tiny.numel(); ++i) tiny.data<float>()[i] = FLT_MIN;
  test::expect_near("probs", gprobs, probs, test::kFp32Tolerance, &tiny);

  // Backward from the same probabilities: one product of one difference per element, bitwise.
  const float scale = 0.75f;
  Tensor dz = Tensor::empty(shape), gdz = test::device_garbage(shape);
  ops::softmax_cross_entropy_backward(probs, t, scale, dz);
  ops::softmax_cross_entropy_backward(cuda::to_device(probs), gt, scale, gdz);
  test::expect_near("dlogits", gdz, dz, 0.0);

  // The loss is reproducible to the bit.
  Tensor gprobs2 = test::device_garbage(shape);
  const double gloss2 = ops::softmax_cross_entropy_forward(gz, gt, gprobs2);
  EXPECT_EQ(gloss2, gloss);
  test::expect_bitwise_equal("probs again", gprobs2, gprobs);
}

INSTANTIATE_TEST_SUITE_P(Cuda, CrossEntropyParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

}  // namespace
