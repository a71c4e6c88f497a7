// Global average pooling and channel scaling against double references; backward against
// central differences, pooling in overwrite and accumulate modes.
#include <cmath>
#include <limits>

#include "op_test_util.hpp"
#include "swag/ops/pool.hpp"

namespace swag::test {
namespace {

Vec pool_ref(const Shape& s, const Vec& x) {
  const std::int64_t n = s[0], hw = s[1] * s[2], c = s[3];
  Vec y(n * c, 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t p = 0; p < hw; ++p)
      for (std::int64_t j = 0; j < c; ++j) y[i * c + j] += x[(i * hw + p) * c + j] / hw;
  return y;
}

// 70 channels: a full and a partial chunk of the double accumulators.
const Shape kShape{2, 5, 3, 70};

TEST(GlobalAvgPool, ForwardMatchesReference) {
  Tensor x = random_tensor(kShape, 1), y = Tensor::empty({2, 70});
  ops::global_avg_pool_forward(x, y);
  const Vec want = pool_ref(kShape, to_double(x));
  // Summed in double and rounded once: half an ulp, plus slack for the reference's order.
  Vec tol(want.size());
  for (std::size_t i = 0; i < tol.size(); ++i)
    tol[i] = (kUnitRoundoff + 1e-12) * std::fabs(want[i]);
  expect_within(y, want, tol, "pool");
}

TEST(GlobalAvgPool, BackwardMatchesCentralDifferences) {
  Tensor x = random_tensor(kShape, 2), r = random_tensor({2, 70}, 3);
  Vec xd = to_double(x);
  const Vec rd = to_double(r);
  const Vec grad = numeric_gradient(
      xd, [&] { return dot(rd, pool_ref(kShape, xd)); }, 0.5);

  // Overwrite mode must not read dx: start it at NaN. dx = dy * fl(1 / HW): two roundings.
  Tensor dx = Tensor::empty(kShape);
  for (std::int64_t i = 0; i < dx.numel(); ++i)
    dx.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
  ops::global_avg_pool_backward(r, dx, false);
  Vec tol(grad.size());
  for (std::size_t i = 0; i < tol.size(); ++i)
    tol[i] = 2 * kUnitRoundoff * std::fabs(grad[i]) + 1e-12;
  expect_within(dx, grad, tol, "pool dx");

  // Accumulate mode adds onto dx, with one more rounding.
  Tensor acc = random_tensor(kShape, 4);
  Vec want = to_double(acc);
  ops::global_avg_pool_backward(r, acc, true);
  for (std::size_t i = 0; i < want.size(); ++i) {
    want[i] += grad[i];
    tol[i] += kUnitRoundoff * std::fabs(want[i]);
  }
  expect_within(acc, want, tol, "pool dx accumulated");
}

const Shape kScaleShape{2, 3, 4, 70};  // 70 channels: a full and a partial chunk of the sums

TEST(ChannelScale, ForwardIsExact) {
  Tensor x = random_tensor(kScaleShape, 1), s = random_tensor({2, 70}, 2),
         y = Tensor::empty(kScaleShape);
  ops::channel_scale_forward(x, s, y);
  const Vec xd = to_double(x), sd = to_double(s);
  // A float product is exact in double, so the op must equal it rounded once.
  for (std::int64_t i = 0; i < y.numel(); ++i)
    ASSERT_EQ(y.data<float>()[i], static_cast<float>(xd[i] * sd[(i / (12 * 70)) * 70 + i % 70]))
        << i;
}

TEST(ChannelScale, BackwardMatchesCentralDifferences) {
  Tensor x = random_tensor(kScaleShape, 3), s = random_tensor({2, 70}, 4),
         r = random_tensor(kScaleShape, 5);
  Tensor dx = Tensor::empty(kScaleShape), ds = Tensor::empty({2, 70});
  ops::channel_scale_backward(x, s, r, dx, ds);
  const Vec xd = to_double(x), rd = to_double(r);
  Vec sd = to_double(s);
  auto loss = [&] {
    double l = 0.0;
    for (std::size_t i = 0; i < xd.size(); ++i)
      l += rd[i] * xd[i] * sd[(i / (12 * 70)) * 70 + i % 70];
    return l;
  };
  const Vec grad = numeric_gradient(sd, loss, 0.5);
  Vec tol(grad.size());  // summed in double, rounded once
  for (std::size_t i = 0; i < tol.size(); ++i)
    tol[i] = (kUnitRoundoff + 1e-12) * std::fabs(grad[i]);
  expect_within(ds, grad, tol, "dscale");
  for (std::int64_t i = 0; i < dx.numel(); ++i)
    ASSERT_EQ(dx.data<float>()[i], static_cast<float>(rd[i] * sd[(i / (12 * 70)) * 70 + i % 70]));

  // dx may alias dy.
  Tensor ds2 = Tensor::empty({2, 70});
  ops::channel_scale_backward(x, s, r, r, ds2);
  EXPECT_EQ(to_double(r), to_double(dx));
  EXPECT_EQ(to_double(ds2), to_double(ds));
}

}  // namespace
}  // namespace swag::test
