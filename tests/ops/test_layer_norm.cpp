// layer_norm against a double-precision reference; gradients of x, gamma and beta against
// central differences. With 16-bit activations (bf16, f16), both against the f32 op on the
// widened inputs, bitwise.
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

// Mixed precision (doc/mixed_precision.md): the op on S = bf16 or f16 activations computes the
// f32 path's floats from the loaded inputs and rounds each S output once, so y and dx equal the
// f32 op's on the widened inputs rounded to S, and mean, rstd, dgamma and dbeta are identical.
template <class T>
void expect_matches_f32(const LayerNormDesc& d) {
  const std::string what = fmt::format("{} {}", dtype_name(dtype_of<T>()), name(d));
  constexpr DType st = dtype_of<T>();
  const Tensor x = round_to(offset_rows(d, 8), st);
  const Tensor dy = round_to(random_tensor(x.shape(), 9), st);
  const Tensor xw = widen(x), dyw = widen(dy);
  const Tensor g = random_tensor({d.features}, 10, 0.5f, 1.5f), b = random_tensor({d.features}, 11);

  Tensor y = Tensor::empty(x.shape(), st), yw = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({d.rows}), rstd = Tensor::empty({d.rows});
  Tensor meanw = Tensor::empty({d.rows}), rstdw = Tensor::empty({d.rows});
  ops::layer_norm_forward(d, x, g, b, y, mean, rstd);
  ops::layer_norm_forward(d, xw, g, b, yw, meanw, rstdw);
  expect_same_bits(y, round_to(yw, st), what + " y");
  expect_same_bits(mean, meanw, what + " mean");
  expect_same_bits(rstd, rstdw, what + " rstd");

  Tensor dx = Tensor::empty(x.shape(), st), dxw = Tensor::empty(x.shape());
  Tensor dg = Tensor::empty({d.features}), db = Tensor::empty({d.features});
  Tensor dgw = Tensor::empty({d.features}), dbw = Tensor::empty({d.features});
  ops::layer_norm_backward(d, x, dy, g, mean, rstd, dx, dg, db);
  ops::layer_norm_backward(d, xw, dyw, g, meanw, rstdw, dxw, dgw, dbw);
  expect_same_bits(dx, round_to(dxw, st), what + " dx");
  expect_same_bits(dg, dgw, what + " dgamma");
  expect_same_bits(db, dbw, what + " dbeta");
}

TEST(LayerNormMixedPrecision, Bf16MatchesF32OnWidenedInputs) {
  for (const LayerNormDesc& d : kCases) expect_matches_f32<bf16>(d);
}

TEST(LayerNormMixedPrecision, F16MatchesF32OnWidenedInputs) {
  for (const LayerNormDesc& d : kCases) expect_matches_f32<f16>(d);
}

TEST(LayerNormMixedPrecision, ActivationsMustShareOneType) {
  const LayerNormDesc d{2, 4};
  const Tensor x = Tensor::zeros({2, 4}, DType::f16), g = Tensor::zeros({4});
  Tensor y = Tensor::empty({2, 4}, DType::bf16), dx = Tensor::empty({2, 4}, DType::f16);
  Tensor mean = Tensor::empty({2}), rstd = Tensor::empty({2});
  Tensor dg = Tensor::empty({4}), db = Tensor::empty({4});
  EXPECT_THROW(ops::layer_norm_forward(d, x, g, g, y, mean, rstd), Error);
  EXPECT_THROW(ops::layer_norm_backward(d, x, y, g, mean, rstd, dx, dg, db), Error);
}

}  // namespace
}  // namespace swag::test
