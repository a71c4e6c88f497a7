// Scaled dot-product attention and the self-attention composite (fused input projection,
// attention, output projection) against double references; gradients against central
// differences; and attention logits of magnitude 1e4, where a softmax without the max shift
// overflows.
#include <cmath>

#include "op_test_util.hpp"
#include "swag/ops/self_attention.hpp"

namespace swag::test {
namespace {

using ops::AttentionDesc;

const AttentionDesc kAttn{2, 5, 12, 3};  // batch, tokens, dim, heads (head_dim 4)

struct AttentionResult {
  Vec probs, context;
};

AttentionResult attention_ref(const AttentionDesc& d, const Vec& qkv) {
  const std::int64_t t = d.tokens, dim = d.dim, hd = d.head_dim(), ld = 3 * dim;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  AttentionResult r{Vec(d.batch * d.heads * t * t), Vec(d.batch * t * dim)};
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t h = 0; h < d.heads; ++h)
      for (std::int64_t i = 0; i < t; ++i) {
        Vec s(t);
        double m = -INFINITY, z = 0.0;
        for (std::int64_t j = 0; j < t; ++j) {
          double v = 0.0;
          for (std::int64_t c = 0; c < hd; ++c)
            v += qkv[(b * t + i) * ld + h * hd + c] * qkv[(b * t + j) * ld + dim + h * hd + c];
          s[j] = v * scale;
          m = std::fmax(m, s[j]);
        }
        for (double& v : s) z += (v = std::exp(v - m));
        double* p = &r.probs[((b * d.heads + h) * t + i) * t];
        for (std::int64_t j = 0; j < t; ++j) p[j] = s[j] / z;
        for (std::int64_t c = 0; c < hd; ++c) {
          double v = 0.0;
          for (std::int64_t j = 0; j < t; ++j)
            v += p[j] * qkv[(b * t + j) * ld + 2 * dim + h * hd + c];
          r.context[(b * t + i) * dim + h * hd + c] = v;
        }
      }
  return r;
}

Shape qkv_shape(const AttentionDesc& d) {
  return {d.batch, d.tokens, 3 * d.dim};
}
Shape probs_shape(const AttentionDesc& d) {
  return {d.batch, d.heads, d.tokens, d.tokens};
}
Shape context_shape(const AttentionDesc& d) {
  return {d.batch, d.tokens, d.dim};
}

TEST(Attention, ForwardMatchesReference) {
  Tensor qkv = random_tensor(qkv_shape(kAttn), 1, -2.0f, 2.0f);
  Tensor probs = Tensor::empty(probs_shape(kAttn)), ctx = Tensor::empty(context_shape(kAttn));
  ops::attention_forward(kAttn, qkv, probs, ctx);
  const AttentionResult want = attention_ref(kAttn, to_double(qkv));
  // Logits of magnitude <= 8 carry ~4 u * 8 of absolute rounding, which exp turns into a
  // relative error of the same size; products and sums add a few u. All O(1): 2e-6 of the
  // largest entry (30 u) covers it.
  expect_close(probs, want.probs, kSmoothRel, "probs");
  expect_close(ctx, want.context, kSmoothRel, "context");
}

TEST(Attention, BackwardMatchesCentralDifferences) {
  Tensor qkv = random_tensor(qkv_shape(kAttn), 2, -2.0f, 2.0f);
  Tensor r = random_tensor(context_shape(kAttn), 3);
  Tensor probs = Tensor::empty(probs_shape(kAttn)), ctx = Tensor::empty(context_shape(kAttn));
  Tensor dprobs = Tensor::empty(probs_shape(kAttn)), dqkv = Tensor::empty(qkv_shape(kAttn));
  ops::attention_forward(kAttn, qkv, probs, ctx);
  ops::attention_backward(kAttn, qkv, probs, r, dprobs, dqkv);
  Vec qd = to_double(qkv);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, attention_ref(kAttn, qd).context); };
  // Four chained products of O(1) terms over 5 tokens or 4 head features: ~10 roundings.
  expect_close(dqkv, numeric_gradient(qd, loss, kSmoothStep), kSmoothRel, "dqkv");
}

// Logits of about 7.5e3 to 1.6e4 with exactly representable inputs: integer queries and keys
// (products <= 1e4, dot products < 2^24) and scale 1/2, so every logit is exact in float and the
// only rounding is the softmax's. Within a row the logits differ by 0.5 * e_j for keys
// k_j = base + e_j * unit(0), giving non-trivial probabilities exp(-e_j / 2) / Z that a
// softmax without the max shift would turn into inf / inf.
TEST(Attention, LogitsOfMagnitude1e4AreFiniteAndExact) {
  const AttentionDesc d{2, 5, 8, 2};  // head_dim 4, scale 1/2
  const std::int64_t ld = 3 * d.dim;
  Tensor qkv = random_tensor(qkv_shape(d), 4);  // V stays random in [-1, 1]
  float* p = qkv.data<float>();
  const float base[4] = {0.0f, 100.0f, -100.0f, 100.0f};
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t i = 0; i < d.tokens; ++i)
      for (std::int64_t h = 0; h < d.heads; ++h)
        for (std::int64_t c = 0; c < 4; ++c) {
          const float a = static_cast<float>(50 + 10 * i + 5 * h + b);
          const float q[4] = {1.0f, a, -a, a};
          float* row = p + (b * d.tokens + i) * ld + h * 4;
          row[c] = q[c];                                                       // Q
          row[d.dim + c] = base[c] + (c == 0 ? static_cast<float>(i) : 0.0f);  // K
        }
  Tensor probs = Tensor::empty(probs_shape(d)), ctx = Tensor::empty(context_shape(d));
  ops::attention_forward(d, qkv, probs, ctx);
  ASSERT_GT(std::exp(7500.0f), 3e38f) << "the test's premise: exp of the raw logits overflows";
  const AttentionResult want = attention_ref(d, to_double(qkv));
  expect_close(probs, want.probs, kSmoothRel, "probs at 1e4");
  expect_close(ctx, want.context, kSmoothRel, "context at 1e4");

  Tensor r = random_tensor(context_shape(d), 5), dprobs = Tensor::empty(probs_shape(d));
  Tensor dqkv = Tensor::empty(qkv_shape(d));
  ops::attention_backward(d, qkv, probs, r, dprobs, dqkv);
  Vec qd = to_double(qkv);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, attention_ref(d, qd).context); };
  // dQ and dK scale with the keys and queries (up to 100): still 2e-6 of the largest gradient.
  expect_close(dqkv, numeric_gradient(qd, loss, kSmoothStep), kSmoothRel, "dqkv at 1e4");
}

struct SelfAttentionArgs {
  Vec x, in_w, in_b, out_w, out_b;
};

// y = attention(x in_wᵀ + in_b) out_wᵀ + out_b.
Vec self_attention_ref(const AttentionDesc& d, const SelfAttentionArgs& a) {
  const std::int64_t rows = d.batch * d.tokens, dim = d.dim;
  Vec qkv(rows * 3 * dim), y(rows * dim);
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < 3 * dim; ++o) {
      double v = a.in_b[o];
      for (std::int64_t j = 0; j < dim; ++j) v += a.x[r * dim + j] * a.in_w[o * dim + j];
      qkv[r * 3 * dim + o] = v;
    }
  const Vec ctx = attention_ref(d, qkv).context;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < dim; ++o) {
      double v = a.out_b[o];
      for (std::int64_t j = 0; j < dim; ++j) v += ctx[r * dim + j] * a.out_w[o * dim + j];
      y[r * dim + o] = v;
    }
  return y;
}

class SelfAttention : public ::testing::Test {
 protected:
  const std::int64_t rows = kAttn.batch * kAttn.tokens, dim = kAttn.dim;
  Tensor x = random_tensor({rows, dim}, 10);
  ops::SelfAttentionWeights w{random_tensor({3 * dim, dim}, 11, -0.5f, 0.5f),
                              random_tensor({3 * dim}, 12), random_tensor({dim, dim}, 13),
                              random_tensor({dim}, 14)};
  SelfAttentionArgs args{to_double(x), to_double(w.in_w), to_double(w.in_b), to_double(w.out_w),
                         to_double(w.out_b)};
  ops::SelfAttentionCache cache = ops::SelfAttentionCache::allocate(kAttn, Device::cpu);
};

TEST_F(SelfAttention, ForwardMatchesReference) {
  Tensor y = Tensor::empty({rows, dim});
  ops::self_attention_forward(kAttn, x, w, cache, y);
  // Dot products of 12 O(1) terms around the attention: a few tens of u of the output.
  expect_close(y, self_attention_ref(kAttn, args), kSmoothRel, "self_attention");
}

TEST_F(SelfAttention, BackwardMatchesCentralDifferences) {
  Tensor y = Tensor::empty({rows, dim}), r = random_tensor({rows, dim}, 15);
  Tensor dx = cache.dcontext;  // dx may share storage with the context gradient
  ops::SelfAttentionWeights g{Tensor::empty(w.in_w.shape()), Tensor::empty(w.in_b.shape()),
                              Tensor::empty(w.out_w.shape()), Tensor::empty(w.out_b.shape())};
  ops::self_attention_forward(kAttn, x, w, cache, y);
  ops::self_attention_backward(kAttn, x, w, cache, r, dx, g);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, self_attention_ref(kAttn, args)); };
  expect_close(dx, numeric_gradient(args.x, loss, kSmoothStep), kSmoothRel, "dx");
  expect_close(g.in_w, numeric_gradient(args.in_w, loss, kSmoothStep), kSmoothRel, "d in_w");
  expect_close(g.in_b, numeric_gradient(args.in_b, loss, kSmoothStep), kSmoothRel, "d in_b");
  expect_close(g.out_w, numeric_gradient(args.out_w, loss, kSmoothStep), kSmoothRel, "d out_w");
  expect_close(g.out_b, numeric_gradient(args.out_b, loss, kSmoothStep), kSmoothRel, "d out_b");
}

}  // namespace
}  // namespace swag::test
