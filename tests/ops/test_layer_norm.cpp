// layer_norm against a double-precision reference; gradients of x, gamma and beta against
// central differences.
#include <fmt/format.h>

#include <cmath>

#include "op_test_util.hpp"
#include "swag/ops/layer_norm.hpp"

namespace swag::test {
namespace {

using ops::LayerNormDesc;

Vec layer_norm_ref(const LayerNormDesc& d, const Vec& x, const Vec& g, const Vec& b) {
  const std::int64_t n = d.features;
  Vec y(x.size());
  for (std::int64_t r = 0; r < d.rows; ++r) {
    double m = 0.0, v = 0.0;
    for (std::int64_t j = 0; j < n; ++j) m += x[r * n + j] / n;
    for (std::int64_t j = 0; j < n; ++j) v += (x[r * n + j] - m) * (x[r * n + j] - m) / n;
    const double s = 1.0 / std::sqrt(v + d.eps);
    for (std::int64_t j = 0; j < n; ++j) y[r * n + j] = (x[r * n + j] - m) * s * g[j] + b[j];
  }
  return y;
}

std::string name(const LayerNormDesc& d) {
  return fmt::format("{}x{}", d.rows, d.features);
}

// 70 features: four full 16-lane chunks of the row sums and a remainder; 300 rows: two row
// blocks of the parameter-gradient column sums.
const LayerNormDesc kCases[] = {{5, 70, 1e-6f}, {3, 8, 1e-6f}, {300, 20, 1e-6f}};

class LayerNorm : public ::testing::TestWithParam<LayerNormDesc> {};

// Rows offset by 3 from zero: the two-pass variance must not lose the spread to the mean.
Tensor offset_rows(const LayerNormDesc& d, std::uint64_t seed) {
  return random_tensor({d.rows, d.features}, seed, 2.0f, 4.0f);
}

TEST_P(LayerNorm, ForwardMatchesReference) {
  const LayerNormDesc d = GetParam();
  Tensor x = offset_rows(d, 1), g = random_tensor({d.features}, 2, 0.5f, 1.5f);
  Tensor b = random_tensor({d.features}, 3), y = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({d.rows}), rstd = Tensor::empty({d.rows});
  ops::layer_norm_forward(d, x, g, b, y, mean, rstd);
  // Each output passes through the row statistics (sums of at most n/16 + 16 float terms of
  // size ~1, a relative error of a few tens of u in the variance, halved by the square root)
  // and four roundings; the outputs are O(1). 2e-6 of the largest is 30 u.
  expect_close(y, layer_norm_ref(d, to_double(x), to_double(g), to_double(b)), kSmoothRel, name(d));
}

TEST_P(LayerNorm, BackwardMatchesCentralDifferences) {
  const LayerNormDesc d = GetParam();
  Tensor x = offset_rows(d, 4), g = random_tensor({d.features}, 5, 0.5f, 1.5f);
  Tensor b = random_tensor({d.features}, 6), r = random_tensor(x.shape(), 7);
  Tensor y = Tensor::empty(x.shape()), dx = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({d.rows}), rstd = Tensor::empty({d.rows});
  Tensor dg = Tensor::empty({d.features}), db = Tensor::empty({d.features});
  ops::layer_norm_forward(d, x, g, b, y, mean, rstd);
  ops::layer_norm_backward(d, x, r, g, mean, rstd, dx, dg, db);
  Vec xd = to_double(x), gd = to_double(g), bd = to_double(b);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, layer_norm_ref(d, xd, gd, bd)); };
  // dx is rstd * (g - mean(g) - xhat * mean(g * xhat)) with O(1) terms: a few u of rounding
  // each, 2e-6 of the largest gradient covers them. dgamma and dbeta sum d.rows products in
  // double: relative to their largest entry, far below 2e-6.
  expect_close(dx, numeric_gradient(xd, loss, kSmoothStep), kSmoothRel, name(d) + " dx");
  expect_close(dg, numeric_gradient(gd, loss, kSmoothStep), kSmoothRel, name(d) + " dgamma");
  expect_close(db, numeric_gradient(bd, loss, kSmoothStep), kSmoothRel, name(d) + " dbeta");
}

INSTANTIATE_TEST_SUITE_P(Shapes, LayerNorm, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return name(p.param); });

}  // namespace
}  // namespace swag::test
