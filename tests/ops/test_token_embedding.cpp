// The class token, position embedding and class-token output: exact forward copies and adds,
// gradients against central differences (the ops are linear, so any step is exact).
#include "op_test_util.hpp"
#include "swag/ops/token_embedding.hpp"

namespace swag::test {
namespace {

constexpr std::int64_t kB = 3, kN = 4, kT = kN + 1, kD = 6;

Vec embed_ref(const Vec& patches, const Vec& cls, const Vec& pos) {
  Vec y(kB * kT * kD);
  for (std::int64_t b = 0; b < kB; ++b)
    for (std::int64_t t = 0; t < kT; ++t)
      for (std::int64_t j = 0; j < kD; ++j)
        y[(b * kT + t) * kD + j] =
            (t == 0 ? cls[j] : patches[(b * kN + t - 1) * kD + j]) + pos[t * kD + j];
  return y;
}

TEST(TokenEmbedding, ForwardIsExact) {
  Tensor p = random_tensor({kB, kN, kD}, 1), c = random_tensor({kD}, 2);
  Tensor pos = random_tensor({kT, kD}, 3), y = Tensor::empty({kB, kT, kD});
  ops::token_embedding_forward(p, c, pos, y);
  Vec want = embed_ref(to_double(p), to_double(c), to_double(pos));
  for (double& v : want) v = static_cast<float>(v);  // one float addition, rounded once
  EXPECT_EQ(to_double(y), want);
}

TEST(TokenEmbedding, BackwardMatchesCentralDifferences) {
  Tensor p = random_tensor({kB, kN, kD}, 4), c = random_tensor({kD}, 5);
  Tensor pos = random_tensor({kT, kD}, 6), r = random_tensor({kB, kT, kD}, 7);
  Tensor dp = Tensor::empty(p.shape()), dc = Tensor::empty(c.shape());
  Tensor dpos = Tensor::empty(pos.shape());
  ops::token_embedding_backward(r, dp, dc, dpos);
  Vec pd = to_double(p), cd = to_double(c), posd = to_double(pos);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, embed_ref(pd, cd, posd)); };
  // dpatches is a copy of dy; dclass and dpos are batch sums in double, rounded once.
  expect_close(dp, numeric_gradient(pd, loss, 0.5), 1e-12, "dpatches");
  expect_close(dc, numeric_gradient(cd, loss, 0.5), kUnitRoundoff, "dclass_token");
  expect_close(dpos, numeric_gradient(posd, loss, 0.5), kUnitRoundoff, "dpos");
}

TEST(ClassTokenOutput, TakesRowZeroAndScattersBack) {
  Tensor x = random_tensor({kB, kT, kD}, 8), y = Tensor::empty({kB, kD});
  ops::class_token_output_forward(x, y);
  Tensor dx = random_tensor({kB, kT, kD}, 9);  // every entry must be overwritten
  ops::class_token_output_backward(y, dx);
  for (std::int64_t b = 0; b < kB; ++b)
    for (std::int64_t t = 0; t < kT; ++t)
      for (std::int64_t j = 0; j < kD; ++j) {
        const std::int64_t i = (b * kT + t) * kD + j;
        if (t == 0) {
          EXPECT_EQ(y.data<float>()[b * kD + j], x.data<float>()[i]);
        }
        EXPECT_EQ(dx.data<float>()[i], t == 0 ? x.data<float>()[i] : 0.0f);
      }
}

}  // namespace
}  // namespace swag::test
