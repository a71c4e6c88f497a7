// Softmax cross-entropy against soft targets: loss and probabilities against a double
// reference, the gradient against central differences, and finiteness for logits of 1e4.
#include <algorithm>
#include <cmath>
#include <string>

#include "op_test_util.hpp"
#include "swag/ops/cross_entropy.hpp"

namespace swag::test {
namespace {

constexpr std::int64_t kRows = 6, kClasses = 11;

struct CeRef {
  double loss;
  Vec probs;
  double max_spread;  // largest max(z) - z_j over the rows, which scales the float error
};

CeRef ce_ref(const Vec& z, const Vec& t) {
  CeRef out{0.0, Vec(z.size()), 0.0};
  for (std::int64_t i = 0; i < kRows; ++i) {
    const double* zi = &z[i * kClasses];
    const double zmax = *std::max_element(zi, zi + kClasses);
    const double zmin = *std::min_element(zi, zi + kClasses);
    out.max_spread = std::max(out.max_spread, zmax - zmin);
    double sum = 0.0;
    for (std::int64_t j = 0; j < kClasses; ++j) sum += std::exp(zi[j] - zmax);
    const double lse = zmax + std::log(sum);
    for (std::int64_t j = 0; j < kClasses; ++j) {
      out.probs[i * kClasses + j] = std::exp(zi[j] - lse);
      out.loss -= t[i * kClasses + j] * (zi[j] - lse) / kRows;
    }
  }
  return out;
}

// Row i spreads 1/K over K = 1 + i % 3 of its classes, as for an image with K hashtags.
Tensor soft_targets() {
  Tensor t = Tensor::zeros({kRows, kClasses});
  for (std::int64_t i = 0; i < kRows; ++i) {
    const std::int64_t k = 1 + i % 3;
    for (std::int64_t h = 0; h < k; ++h)
      t.data<float>()[i * kClasses + (3 * i + 5 * h) % kClasses] = 1.0f / static_cast<float>(k);
  }
  return t;
}

// exp of z - max(z) (itself rounded) and a normalization: a few roundings of the probability,
// amplified by |z - max(z)| through the exponential. The loss inherits the same absolute error.
void expect_matches_reference(const Tensor& logits, const Tensor& targets) {
  Tensor probs = Tensor::empty(logits.shape());
  const double loss = ops::softmax_cross_entropy_forward(logits, targets, probs);
  const Vec z = to_double(logits);
  const CeRef ref = ce_ref(z, to_double(targets));
  ASSERT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, ref.loss, 4 * kUnitRoundoff * (ref.max_spread + 2));
  Vec tol(ref.probs.size());
  for (std::size_t i = 0; i < tol.size(); ++i)
    tol[i] = 2 * kUnitRoundoff * (4 + ref.max_spread) * ref.probs[i] + 1e-30;
  expect_within(probs, ref.probs, tol, "probs");
}

TEST(SoftmaxCrossEntropy, ForwardMatchesReference) {
  expect_matches_reference(random_tensor({kRows, kClasses}, 1, -5.0f, 5.0f), soft_targets());
}

TEST(SoftmaxCrossEntropy, BackwardMatchesCentralDifferences) {
  Tensor logits = random_tensor({kRows, kClasses}, 2, -3.0f, 3.0f), targets = soft_targets();
  Tensor probs = Tensor::empty(logits.shape()), dlogits = Tensor::empty(logits.shape());
  ops::softmax_cross_entropy_forward(logits, targets, probs);
  const float scale = 0.7f;  // upstream gradient of the loss
  ops::softmax_cross_entropy_backward(probs, targets, scale, dlogits);
  Vec z = to_double(logits);
  const Vec t = to_double(targets);
  expect_close(dlogits,
               numeric_gradient(
                   z, [&] { return scale * ce_ref(z, t).loss; }, kSmoothStep),
               kSmoothRel, "dlogits");
}

TEST(SoftmaxCrossEntropy, FiniteAndCorrectForLogitsOf1e4) {
  Tensor logits = random_tensor({kRows, kClasses}, 3, -1e4f, 1e4f), targets = soft_targets();
  expect_matches_reference(logits, targets);
  Tensor probs = Tensor::empty(logits.shape()), dlogits = Tensor::empty(logits.shape());
  ops::softmax_cross_entropy_forward(logits, targets, probs);
  ops::softmax_cross_entropy_backward(probs, targets, 1.0f, dlogits);
  for (std::int64_t i = 0; i < kRows; ++i) {
    double row_sum = 0.0;
    for (std::int64_t j = 0; j < kClasses; ++j) row_sum += probs.data<float>()[i * kClasses + j];
    EXPECT_NEAR(row_sum, 1.0, 1e-6);
  }
  for (std::int64_t i = 0; i < dlogits.numel(); ++i)
    ASSERT_TRUE(std::isfinite(dlogits.data<float>()[i])) << i;
}

TEST(SoftmaxCrossEntropy, NoClassesIsAnError) {
  const Tensor logits = Tensor::empty({3, 0}), targets = Tensor::empty({3, 0});
  Tensor probs = Tensor::empty({3, 0});
  try {
    ops::softmax_cross_entropy_forward(logits, targets, probs);
    ADD_FAILURE() << "no error for 0 classes";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("C > 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swag::test
