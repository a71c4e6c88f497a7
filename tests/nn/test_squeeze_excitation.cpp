// The squeeze-and-excitation composite against a double reference; gradients against central
// differences.
#include <cmath>

#include "op_test_util.hpp"
#include "swag/nn/squeeze_excitation_layer.hpp"

namespace swag::test {
namespace {

using nn::SqueezeExcitationDesc;
using nn::SqueezeExcitationWeights;

struct SeArgs {
  Vec x, w1, b1, w2, b2;
};

const SqueezeExcitationDesc kSe{2, 3, 4, 8, 3};  // N, H, W, C, S

// y = x * sigmoid(w2 relu(w1 mean_hw(x) + b1) + b2), per sample and channel.
Vec se_ref(const SeArgs& a) {
  const std::int64_t n = kSe.batch, hw = kSe.height * kSe.width, c = kSe.channels;
  const std::int64_t sq = kSe.squeeze_channels;
  Vec y(a.x.size());
  for (std::int64_t i = 0; i < n; ++i) {
    Vec pooled(c, 0.0), hidden(sq), scale(c);
    for (std::int64_t p = 0; p < hw; ++p)
      for (std::int64_t j = 0; j < c; ++j) pooled[j] += a.x[(i * hw + p) * c + j] / hw;
    for (std::int64_t h = 0; h < sq; ++h) {
      double v = a.b1[h];
      for (std::int64_t j = 0; j < c; ++j) v += a.w1[h * c + j] * pooled[j];
      hidden[h] = v > 0.0 ? v : 0.0;
    }
    for (std::int64_t j = 0; j < c; ++j) {
      double v = a.b2[j];
      for (std::int64_t h = 0; h < sq; ++h) v += a.w2[j * sq + h] * hidden[h];
      scale[j] = 1.0 / (1.0 + std::exp(-v));
    }
    for (std::int64_t p = 0; p < hw; ++p)
      for (std::int64_t j = 0; j < c; ++j)
        y[(i * hw + p) * c + j] = a.x[(i * hw + p) * c + j] * scale[j];
  }
  return y;
}

class SqueezeExcitation : public ::testing::Test {
 protected:
  const Shape shape{kSe.batch, kSe.height, kSe.width, kSe.channels};
  Tensor x = random_tensor(shape, 10);
  SqueezeExcitationWeights w{random_tensor({3, 8, 1, 1}, 11), random_tensor({3}, 12),
                             random_tensor({8, 3, 1, 1}, 13), random_tensor({8}, 14)};
  SeArgs args{to_double(x), to_double(w.w1), to_double(w.b1), to_double(w.w2), to_double(w.b2)};
  nn::SqueezeExcitationCache cache = nn::SqueezeExcitationCache::allocate(kSe, Device::cpu);
};

TEST_F(SqueezeExcitation, ForwardMatchesReference) {
  Tensor y = Tensor::empty(shape);
  nn::squeeze_excitation_forward(kSe, x, w, cache, y);
  // Pooling, two short dot products and a sigmoid, each rounded a few times.
  expect_close(y, se_ref(args), kSmoothRel, "squeeze_excitation");
}

TEST_F(SqueezeExcitation, BackwardMatchesCentralDifferences) {
  Tensor y = Tensor::empty(shape), r = random_tensor(shape, 15), dx = Tensor::empty(shape);
  SqueezeExcitationWeights g{Tensor::empty({3, 8, 1, 1}), Tensor::empty({3}),
                             Tensor::empty({8, 3, 1, 1}), Tensor::empty({8})};
  nn::squeeze_excitation_forward(kSe, x, w, cache, y);
  nn::squeeze_excitation_backward(kSe, x, w, cache, r, dx, g);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, se_ref(args)); };
  expect_close(dx, numeric_gradient(args.x, loss, kSmoothStep), kSmoothRel, "dx");
  expect_close(g.w1, numeric_gradient(args.w1, loss, kSmoothStep), kSmoothRel, "dw1");
  expect_close(g.b1, numeric_gradient(args.b1, loss, kSmoothStep), kSmoothRel, "db1");
  expect_close(g.w2, numeric_gradient(args.w2, loss, kSmoothStep), kSmoothRel, "dw2");
  expect_close(g.b2, numeric_gradient(args.b2, loss, kSmoothStep), kSmoothRel, "db2");
}

}  // namespace
}  // namespace swag::test
