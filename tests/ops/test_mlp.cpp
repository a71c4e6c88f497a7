// The transformer MLP composite (linear, exact GELU, linear) against a double reference;
// gradients against central differences.
#include <cmath>

#include "op_test_util.hpp"
#include "swag/ops/mlp.hpp"

namespace swag::test {
namespace {

const ops::MlpDesc kMlp{6, 5, 7};  // rows, features, hidden

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
  ops::MlpWeights w{random_tensor({7, 5}, 2), random_tensor({7}, 3), random_tensor({5, 7}, 4),
                    random_tensor({5}, 5)};
  MlpArgs args{to_double(x), to_double(w.w1), to_double(w.b1), to_double(w.w2), to_double(w.b2)};
  ops::MlpCache cache = ops::MlpCache::allocate(kMlp, Device::cpu);
};

TEST_F(Mlp, ForwardMatchesReference) {
  Tensor y = Tensor::empty(shape);
  ops::mlp_forward(kMlp, x, w, cache, y);
  // Two short dot products (6 and 8 terms of O(1)) and a GELU: a few tens of u of the output.
  expect_close(y, mlp_ref(args), kSmoothRel, "mlp");
}

TEST_F(Mlp, BackwardMatchesCentralDifferences) {
  Tensor y = Tensor::empty(shape), r = random_tensor(shape, 6), dx = Tensor::empty(shape);
  ops::MlpWeights g{Tensor::empty({7, 5}), Tensor::empty({7}), Tensor::empty({5, 7}),
                    Tensor::empty({5})};
  ops::mlp_forward(kMlp, x, w, cache, y);
  ops::mlp_backward(kMlp, x, w, cache, r, dx, g);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, mlp_ref(args)); };
  expect_close(dx, numeric_gradient(args.x, loss, kSmoothStep), kSmoothRel, "dx");
  expect_close(g.w1, numeric_gradient(args.w1, loss, kSmoothStep), kSmoothRel, "dw1");
  expect_close(g.b1, numeric_gradient(args.b1, loss, kSmoothStep), kSmoothRel, "db1");
  expect_close(g.w2, numeric_gradient(args.w2, loss, kSmoothStep), kSmoothRel, "dw2");
  expect_close(g.b2, numeric_gradient(args.b2, loss, kSmoothStep), kSmoothRel, "db2");
}

}  // namespace
}  // namespace swag::test
