// relu, sigmoid, gelu, tanh, add(+relu) and accumulate against double references; backward
// passes against central differences.
#include <cmath>

#include "op_test_util.hpp"
#include "swag/ops/elementwise.hpp"

namespace swag::test {
namespace {

const Shape kShape{2, 3, 4, 5};

// Values at least 0.05 away from ReLU's kink, so central differences never straddle it.
Tensor away_from_zero(std::uint64_t seed) {
  Tensor t = random_tensor(kShape, seed);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    float& v = t.data<float>()[i];
    v = v < 0.0f ? v - 0.05f : v + 0.05f;
  }
  return t;
}

Vec relu_ref(const Vec& x) {
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] > 0.0 ? x[i] : 0.0;
  return y;
}

Vec sigmoid_ref(const Vec& x) {
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = 1.0 / (1.0 + std::exp(-x[i]));
  return y;
}

TEST(Elementwise, ReluForwardIsExactAndWorksInPlace) {
  Tensor x = random_tensor(kShape, 1);
  const Vec want = relu_ref(to_double(x));
  Tensor y = Tensor::empty(kShape);
  ops::relu_forward(x, y);
  EXPECT_EQ(to_double(y), want);
  ops::relu_forward(x, x);
  EXPECT_EQ(to_double(x), want);
}

TEST(Elementwise, ReluBackwardMatchesCentralDifferences) {
  Tensor x = away_from_zero(2), y = Tensor::empty(kShape), r = random_tensor(kShape, 3);
  ops::relu_forward(x, y);
  Tensor dx = Tensor::empty(kShape);
  ops::relu_backward(y, r, dx);
  Vec xd = to_double(x);
  const Vec rd = to_double(r);
  // The gradient is r or 0 exactly; the tolerance covers the double difference quotient only.
  expect_close(dx,
               numeric_gradient(
                   xd, [&] { return dot(rd, relu_ref(xd)); }, kSmoothStep),
               1e-9, "relu dx");
  ops::relu_backward(y, r, r);  // dx aliasing dy
  EXPECT_EQ(to_double(r), to_double(dx));
}

TEST(Elementwise, SigmoidForwardMatchesReference) {
  Tensor x = random_tensor(kShape, 4, -20.0f, 20.0f), y = Tensor::empty(kShape);
  ops::sigmoid_forward(x, y);
  const Vec want = sigmoid_ref(to_double(x));
  // expf (within 1 ulp), the add and the division: a few roundings relative to the result.
  Vec tol(want.size());
  for (std::size_t i = 0; i < tol.size(); ++i) tol[i] = 8 * kUnitRoundoff * want[i];
  expect_within(y, want, tol, "sigmoid");

  Tensor extreme = Tensor::empty({2}), out = Tensor::empty({2});
  extreme.data<float>()[0] = -1000.0f;
  extreme.data<float>()[1] = 1000.0f;
  ops::sigmoid_forward(extreme, out);
  EXPECT_EQ(out.data<float>()[0], 0.0f);
  EXPECT_EQ(out.data<float>()[1], 1.0f);
}

TEST(Elementwise, SigmoidBackwardMatchesCentralDifferences) {
  Tensor x = random_tensor(kShape, 5, -4.0f, 4.0f), y = Tensor::empty(kShape);
  Tensor r = random_tensor(kShape, 6), dx = Tensor::empty(kShape);
  ops::sigmoid_forward(x, y);
  ops::sigmoid_backward(y, r, dx);
  Vec xd = to_double(x);
  const Vec rd = to_double(r);
  expect_close(dx,
               numeric_gradient(
                   xd, [&] { return dot(rd, sigmoid_ref(xd)); }, kSmoothStep),
               kSmoothRel, "sigmoid dx");
}

Vec gelu_ref(const Vec& x) {
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = 0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0)));
  return y;
}

Vec tanh_ref(const Vec& x) {
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = std::tanh(x[i]);
  return y;
}

TEST(Elementwise, GeluForwardMatchesReference) {
  Tensor x = random_tensor(kShape, 11, -6.0f, 6.0f), y = Tensor::empty(kShape);
  ops::gelu_forward(x, y);
  const Vec xd = to_double(x), want = gelu_ref(xd);
  // erff is within a few ulps of 1 + erf's scale, so 1 + erf carries an absolute error of a few
  // u (relative where the CDF is far from 0); the products add a few roundings of the result.
  Vec tol(want.size());
  for (std::size_t i = 0; i < tol.size(); ++i)
    tol[i] = kUnitRoundoff * (8 * std::fabs(want[i]) + 2 * std::fabs(xd[i]));
  expect_within(y, want, tol, "gelu");
  ops::gelu_forward(x, x);  // in place
  EXPECT_EQ(to_double(x), to_double(y));
}

TEST(Elementwise, GeluBackwardMatchesCentralDifferences) {
  Tensor x = random_tensor(kShape, 12, -4.0f, 4.0f), r = random_tensor(kShape, 13);
  Tensor dx = Tensor::empty(kShape);
  ops::gelu_backward(x, r, dx);
  Vec xd = to_double(x);
  const Vec rd = to_double(r);
  expect_close(dx,
               numeric_gradient(
                   xd, [&] { return dot(rd, gelu_ref(xd)); }, kSmoothStep),
               kSmoothRel, "gelu dx");
  ops::gelu_backward(x, r, r);  // dx aliasing dy
  EXPECT_EQ(to_double(r), to_double(dx));
}

TEST(Elementwise, TanhForwardMatchesReference) {
  Tensor x = random_tensor(kShape, 14, -10.0f, 10.0f), y = Tensor::empty(kShape);
  ops::tanh_forward(x, y);
  const Vec want = tanh_ref(to_double(x));
  Vec tol(want.size());  // tanhf is within a few ulps
  for (std::size_t i = 0; i < tol.size(); ++i) tol[i] = 4 * kUnitRoundoff * std::fabs(want[i]);
  expect_within(y, want, tol, "tanh");
}

TEST(Elementwise, TanhBackwardMatchesCentralDifferences) {
  Tensor x = random_tensor(kShape, 15, -3.0f, 3.0f), y = Tensor::empty(kShape);
  Tensor r = random_tensor(kShape, 16), dx = Tensor::empty(kShape);
  ops::tanh_forward(x, y);
  ops::tanh_backward(y, r, dx);
  Vec xd = to_double(x);
  const Vec rd = to_double(r);
  expect_close(dx,
               numeric_gradient(
                   xd, [&] { return dot(rd, tanh_ref(xd)); }, kSmoothStep),
               kSmoothRel, "tanh dx");
}

TEST(Elementwise, AddIsExactWithAndWithoutRelu) {
  Tensor a = random_tensor(kShape, 7), b = random_tensor(kShape, 8);
  const Vec ad = to_double(a), bd = to_double(b);
  Vec sum(ad.size());
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] = static_cast<float>(ad[i] + bd[i]);
  Tensor y = Tensor::empty(kShape);
  ops::add_forward(a, b, y, false);
  EXPECT_EQ(to_double(y), sum);
  ops::add_forward(a, b, a, true);  // in place, fused ReLU
  EXPECT_EQ(to_double(a), relu_ref(sum));
}

TEST(Elementwise, AccumulateAdds) {
  Tensor x = random_tensor(kShape, 9), y = random_tensor(kShape, 10);
  const Vec xd = to_double(x), yd = to_double(y);
  ops::accumulate(x, y);
  for (std::size_t i = 0; i < xd.size(); ++i)
    EXPECT_EQ(y.data<float>()[i], static_cast<float>(xd[i] + yd[i]));
}

}  // namespace
}  // namespace swag::test
