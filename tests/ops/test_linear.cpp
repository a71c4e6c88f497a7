// linear against a double-precision matrix product, and its gradients against central
// differences; with bf16 and f16 activations, against the fp32 op (op_test_util.hpp,
// expect_storage_bound).
#include <fmt/format.h>

#include <tuple>

#include "op_test_util.hpp"
#include "storage_test_util.hpp"
#include "swag/ops/linear.hpp"

namespace swag::test {
namespace {

using ops::LinearDesc;

Vec linear_ref(const LinearDesc& d, const Vec& x, const Vec& w, const Vec& b) {
  Vec y(d.rows * d.out_features);
  for (std::int64_t i = 0; i < d.rows; ++i)
    for (std::int64_t o = 0; o < d.out_features; ++o) {
      double s = b.empty() ? 0.0 : b[o];
      for (std::int64_t k = 0; k < d.in_features; ++k)
        s += x[i * d.in_features + k] * w[o * d.in_features + k];
      y[i * d.out_features + o] = s;
    }
  return y;
}

std::string name(const LinearDesc& d) {
  return fmt::format("{}x{}to{}{}", d.rows, d.in_features, d.out_features, d.bias ? "_bias" : "");
}

// rows, in, out, bias. The last case spans several row blocks of the bias-gradient sum.
const LinearDesc kCases[] = {
    {4, 7, 5, true}, {3, 8, 6, false}, {1, 5, 1, true}, {80, 33, 20, true}};

class Linear : public ::testing::TestWithParam<LinearDesc> {};

TEST_P(Linear, ForwardMatchesReference) {
  const LinearDesc d = GetParam();
  Tensor x = random_tensor({d.rows, d.in_features}, 1);
  Tensor w = random_tensor({d.out_features, d.in_features}, 2);
  Tensor b = random_tensor({d.out_features}, 3);
  Tensor y = Tensor::empty({d.rows, d.out_features});
  ops::linear_forward(d, x, w, d.bias ? &b : nullptr, y);
  const Vec xd = to_double(x), wd = to_double(w), bd = d.bias ? to_double(b) : Vec{};
  expect_sum_accuracy(y, linear_ref(d, xd, wd, bd),
                      linear_ref(d, abs_of(xd), abs_of(wd), abs_of(bd)), d.in_features + 1,
                      name(d));
}

TEST_P(Linear, BackwardMatchesCentralDifferences) {
  const LinearDesc d = GetParam();
  Tensor x = random_tensor({d.rows, d.in_features}, 4);
  Tensor w = random_tensor({d.out_features, d.in_features}, 5);
  Tensor b = random_tensor({d.out_features}, 6);
  Tensor r = random_tensor({d.rows, d.out_features}, 7);
  Tensor dx = Tensor::empty(x.shape()), dw = Tensor::empty(w.shape());
  Tensor db = Tensor::empty(b.shape());
  ops::linear_backward(d, x, w, r, &dx, dw, d.bias ? &db : nullptr);

  Vec xd = to_double(x), wd = to_double(w), bd = d.bias ? to_double(b) : Vec{};
  Vec xa = abs_of(xd), wa = abs_of(wd), ba = abs_of(bd);
  const Vec rd = to_double(r), ra = abs_of(rd);
  auto loss = [&] { return dot(rd, linear_ref(d, xd, wd, bd)); };
  auto abs_loss = [&] { return dot(ra, linear_ref(d, xa, wa, ba)); };
  expect_sum_accuracy(dx, numeric_gradient(xd, loss, 0.5), numeric_gradient(xa, abs_loss, 0.5),
                      d.out_features, name(d) + " dx");
  expect_sum_accuracy(dw, numeric_gradient(wd, loss, 0.5), numeric_gradient(wa, abs_loss, 0.5),
                      d.rows, name(d) + " dw");
  if (d.bias)
    expect_sum_accuracy(db, numeric_gradient(bd, loss, 0.5), numeric_gradient(ba, abs_loss, 0.5),
                        d.rows, name(d) + " db");

  Tensor dw2 = Tensor::empty(w.shape());
  ops::linear_backward(d, x, w, r, nullptr, dw2, d.bias ? &db : nullptr);
  EXPECT_EQ(to_double(dw2), to_double(dw)) << "dw without dx, " << name(d);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Linear, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return name(p.param); });

GemmLayerRun run_linear(const LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& b,
                        const Tensor& dy) {
  GemmLayerRun r{Tensor::empty({d.rows, d.out_features}, x.dtype()),
                 Tensor::empty(x.shape(), x.dtype()), Tensor::empty(w.shape()),
                 Tensor::empty(b.shape())};
  ops::linear_forward(d, x, w, d.bias ? &b : nullptr, r.y);
  ops::linear_backward(d, x, w, dy, &r.dx, r.dw, d.bias ? &r.db : nullptr);
  return r;
}

class LinearStorage : public ::testing::TestWithParam<std::tuple<LinearDesc, DType>> {};

TEST_P(LinearStorage, IsTheFp32OpOnWidenedInputsRoundedOnce) {
  const auto [d, s] = GetParam();
  const Tensor x = random_tensor({d.rows, d.in_features}, 11);
  const Tensor w = random_tensor({d.out_features, d.in_features}, 12);
  const Tensor b = random_tensor({d.out_features}, 13),
               dy = random_tensor({d.rows, d.out_features}, 14);
  const Tensor xs = round_to(x, s), ws = round_to(w, s), bs = round_to(b, s), dys = round_to(dy, s);
  const GemmLayerRun got = run_linear(d, xs, ws, bs, dys);
  ASSERT_EQ(got.dw.dtype(), DType::f32);
  const std::string what = name(d) + "_" + storage_name(s);
  expect_fp32_rounded_once(got, run_linear(d, widen(xs), widen(ws), widen(bs), widen(dys)), s,
                           d.bias, what);

  const GemmLayerRun fp32 = run_linear(d, x, w, b, dy);
  const GemmLayerRun mag =
      run_linear(d, abs_tensor(x), abs_tensor(w), abs_tensor(b), abs_tensor(dy));
  expect_storage_bound(got.y, fp32.y, mag.y, s, 3, d.in_features + 1, what + " y vs fp32");
  expect_storage_bound(got.dx, fp32.dx, mag.dx, s, 3, d.out_features, what + " dx vs fp32");
  expect_storage_bound(got.dw, fp32.dw, mag.dw, s, 2, d.rows, what + " dw vs fp32");
  if (d.bias) expect_storage_bound(got.db, fp32.db, mag.db, s, 1, d.rows, what + " db vs fp32");
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearStorage,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values(DType::bf16, DType::f16)),
                         [](const auto& p) {
                           return name(std::get<0>(p.param)) + "_" +
                                  storage_name(std::get<1>(p.param));
                         });

}  // namespace
}  // namespace swag::test
