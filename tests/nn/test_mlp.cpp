// The transformer MLP composite (linear, exact GELU, linear) against a double reference;
// gradients against central differences; with bf16 and f16 activations, bitwise its ops run one
// after the other (each tested against fp32 in its own file), with fp32 weight gradients.
#include <cmath>
#include <string>

#include "op_test_util.hpp"
#include "storage_test_util.hpp"
#include "swag/nn/mlp_layer.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/linear.hpp"

namespace swag::test {
namespace {

const nn::MlpDesc kMlp{6, 5, 7};  // rows, features, hidden

struct MlpArgs {
  Vec x, w1, b1, w2, b2;
};

Vec mlp_ref(const MlpArgs& a) {
  const std::int64_t n = kMlp.rows, d = kMlp.features, h = kMlp.hidden;
  Vec y(n * d);
  for (std::int64_t r = 0; r < n; ++r) {
    Vec act(h);
    for (std::int64_t k = 0; k < h; ++k) {
      double v = a.b1[k];
      for (std::int64_t j = 0; j < d; ++j) v += a.w1[k * d + j] * a.x[r * d + j];
      act[k] = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    }
    for (std::int64_t j = 0; j < d; ++j) {
      double v = a.b2[j];
      for (std::int64_t k = 0; k < h; ++k) v += a.w2[j * h + k] * act[k];
      y[r * d + j] = v;
    }
  }
  return y;
}

class Mlp : public ::testing::Test {
 protected:
  const Shape shape{kMlp.rows, kMlp.features};
  Tensor x = random_tensor(shape, 1, -2.0f, 2.0f);
  nn::MlpWeights w{random_tensor({7, 5}, 2), random_tensor({7}, 3), random_tensor({5, 7}, 4),
                   random_tensor({5}, 5)};
  MlpArgs args{to_double(x), to_double(w.w1), to_double(w.b1), to_double(w.w2), to_double(w.b2)};
  nn::MlpCache cache = nn::MlpCache::allocate(kMlp, Device::cpu);
};

TEST_F(Mlp, ForwardMatchesReference) {
  Tensor y = Tensor::empty(shape);
  nn::mlp_forward(kMlp, x, w, cache, y);
  // Two short dot products (6 and 8 terms of O(1)) and a GELU: a few tens of u of the output.
  expect_close(y, mlp_ref(args), kSmoothRel, "mlp");
}

TEST_F(Mlp, BackwardMatchesCentralDifferences) {
  Tensor y = Tensor::empty(shape), r = random_tensor(shape, 6), dx = Tensor::empty(shape);
  nn::MlpWeights g{Tensor::empty({7, 5}), Tensor::empty({7}), Tensor::empty({5, 7}),
                   Tensor::empty({5})};
  nn::mlp_forward(kMlp, x, w, cache, y);
  nn::mlp_backward(kMlp, x, w, cache, r, dx, g);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, mlp_ref(args)); };
  expect_close(dx, numeric_gradient(args.x, loss, kSmoothStep), kSmoothRel, "dx");
  expect_close(g.w1, numeric_gradient(args.w1, loss, kSmoothStep), kSmoothRel, "dw1");
  expect_close(g.b1, numeric_gradient(args.b1, loss, kSmoothStep), kSmoothRel, "db1");
  expect_close(g.w2, numeric_gradient(args.w2, loss, kSmoothStep), kSmoothRel, "dw2");
  expect_close(g.b2, numeric_gradient(args.b2, loss, kSmoothStep), kSmoothRel, "db2");
}

class MlpStorage : public ::testing::TestWithParam<DType> {};

TEST_P(MlpStorage, IsItsOpsOneAfterTheOther) {
  const DType s = GetParam();
  const std::int64_t n = kMlp.rows, d = kMlp.features, h = kMlp.hidden;
  const Tensor x = round_to(random_tensor({n, d}, 7, -2.0f, 2.0f), s);
  const nn::MlpWeights w{round_to(random_tensor({h, d}, 8), s), round_to(random_tensor({h}, 9), s),
                         round_to(random_tensor({d, h}, 10), s),
                         round_to(random_tensor({d}, 11), s)};
  const Tensor dy = round_to(random_tensor({n, d}, 12), s);
  const auto grads = [&] {
    return nn::MlpWeights{Tensor::empty({h, d}), Tensor::empty({h}), Tensor::empty({d, h}),
                          Tensor::empty({d})};
  };
  nn::MlpCache c = nn::MlpCache::allocate(kMlp, Device::cpu, s);
  EXPECT_EQ(c.act.dtype(), s);
  Tensor y = Tensor::empty({n, d}, s), dx = Tensor::empty({n, d}, s);
  nn::MlpWeights g = grads();
  nn::mlp_forward(kMlp, x, w, c, y);
  nn::mlp_backward(kMlp, x, w, c, dy, dx, g);

  const ops::LinearDesc fc1{n, d, h, true}, fc2{n, h, d, true};
  Tensor pre = Tensor::empty({n, h}, s), act = Tensor::empty({n, h}, s);
  Tensor dact = Tensor::empty({n, h}, s), want_y = Tensor::empty({n, d}, s);
  Tensor want_dx = Tensor::empty({n, d}, s);
  nn::MlpWeights want_g = grads();
  ops::linear_forward(fc1, x, w.w1, &w.b1, pre);
  ops::gelu_forward(pre, act);
  ops::linear_forward(fc2, act, w.w2, &w.b2, want_y);
  ops::linear_backward(fc2, act, w.w2, dy, &dact, want_g.w2, &want_g.b2);
  ops::gelu_backward(pre, dact, dact);
  ops::linear_backward(fc1, x, w.w1, dact, &want_dx, want_g.w1, &want_g.b1);
  const std::string what = storage_name(s);
  expect_same_bits(y, want_y, what + " y");
  expect_same_bits(dx, want_dx, what + " dx");
  expect_same_bits(g.w1, want_g.w1, what + " dw1");
  expect_same_bits(g.b1, want_g.b1, what + " db1");
  expect_same_bits(g.w2, want_g.w2, what + " dw2");
  expect_same_bits(g.b2, want_g.b2, what + " db2");
}

INSTANTIATE_TEST_SUITE_P(Types, MlpStorage, ::testing::Values(DType::bf16, DType::f16),
                         [](const auto& p) { return storage_name(p.param); });

}  // namespace
}  // namespace swag::test
