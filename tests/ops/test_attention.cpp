// Scaled dot-product attention and the self-attention composite against double references,
// gradients against central differences, logits of 1e4 (the softmax's max shift), and 16-bit
// activations within a derived bound (doc/engine.md, "How the op tests judge accuracy").
#include <cmath>
#include <string>
#include <tuple>

#include "layer_reference.hpp"
#include "op_test_util.hpp"
#include "storage_test_util.hpp"
#include "swag/nn/self_attention_layer.hpp"
#include "swag/ops/attention.hpp"
#include "swag/ops/linear.hpp"

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

struct AttentionRun {
  Tensor probs, context, dprobs, dqkv;
};

// Forward, then backward from the forward's probabilities, in qkv's storage type.
AttentionRun run_attention(const AttentionDesc& d, const Tensor& qkv, const Tensor& dcontext) {
  const DType s = qkv.dtype();
  AttentionRun r{Tensor::empty(probs_shape(d), s), Tensor::empty(context_shape(d), s),
                 Tensor::empty(probs_shape(d), s), Tensor::empty(qkv_shape(d), s)};
  ops::attention_forward(d, qkv, r.probs, r.context);
  ops::attention_backward(d, qkv, r.probs, dcontext, r.dprobs, r.dqkv);
  return r;
}

// The forward bound at the top of this file for `s`, from the fp32 inputs and probabilities.
// With `bf16_math` (s = bf16): run.math = bf16's products on fp32 tensors instead, where the
// probabilities are rounded as inputs of P V rather than as outputs (doc/engine.md, "Math
// modes").
AttentionResult storage_bound(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                              DType s, double range, bool bf16_math = false) {
  const std::int64_t t = d.tokens, dim = d.dim, hd = d.head_dim(), ld = 3 * dim;
  const double us = storage_roundoff(s), u = kUnitRoundoff, eta = s == DType::f16 ? 0x1p-24 : 0.0;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const float* x = qkv.data<float>();
  AttentionResult out{Vec(probs.numel()), Vec(d.batch * t * dim)};
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t h = 0; h < d.heads; ++h)
      for (std::int64_t i = 0; i < t; ++i) {
        const auto at = [&](std::int64_t row, int part, std::int64_t c) {
          return double{x[(b * t + row) * ld + part * dim + h * hd + c]};
        };
        Vec logit(t), mag(t);
        for (std::int64_t j = 0; j < t; ++j)
          for (std::int64_t c = 0; c < hd; ++c) {
            logit[j] += scale * at(i, 0, c) * at(j, 1, c);
            mag[j] += scale * std::fabs(at(i, 0, c) * at(j, 1, c));
          }
        double mx = -INFINITY, err = 0.0;
        for (double l : logit) mx = std::fmax(mx, l);
        for (std::int64_t j = 0; j < t; ++j)
          err = std::fmax(err, (2 * us + 4 * us * us + 4.0 * hd * u) * mag[j] +
                                   2 * u * (mx - logit[j]) + scale * hd * range * eta);
        const double rel = std::expm1(2 * err) + (t + 16) * u;
        const std::int64_t row = ((b * d.heads + h) * t + i) * t;
        const double p_rel = bf16_math ? rel : rel + us * (1 + rel);
        for (std::int64_t j = 0; j < t; ++j)
          out.probs[row + j] = p_rel * probs.data<float>()[row + j] + eta / 2;
        const double grown = (1 + rel) * (1 + us) * (1 + us);
        const double pv_rel = bf16_math ? grown - 1 + 4.0 * t * u * grown
                                        : rel * (1 + us) + 2 * us + 4 * us * us + 4.0 * t * u;
        for (std::int64_t c = 0; c < hd; ++c) {
          double pv = 0.0;
          for (std::int64_t j = 0; j < t; ++j)
            pv += probs.data<float>()[row + j] * std::fabs(at(j, 2, c));
          out.context[(b * t + i) * dim + h * hd + c] = pv_rel * pv + eta;
        }
      }
  return out;
}

class AttentionStorage : public ::testing::TestWithParam<DType> {};

TEST_P(AttentionStorage, IsTheFp32OpOnWidenedInputsRoundedOnce) {
  const DType s = GetParam();
  const AttentionDesc d{2, 7, 12, 3};
  const float range = 2.0f;
  const Tensor qkv = random_tensor(qkv_shape(d), 41, -range, range);
  const Tensor dcontext = random_tensor(context_shape(d), 42);
  const Tensor qs = round_to(qkv, s), dcs = round_to(dcontext, s);
  const AttentionRun got = run_attention(d, qs, dcs);

  // The reference backward starts from the 16-bit probabilities too, as the op's does.
  AttentionRun ref{Tensor::empty(probs_shape(d)), Tensor::empty(context_shape(d)),
                   Tensor::empty(probs_shape(d)), Tensor::empty(qkv_shape(d))};
  ops::attention_forward(d, widen(qs), ref.probs, ref.context);
  ops::attention_backward(d, widen(qs), widen(got.probs), widen(dcs), ref.dprobs, ref.dqkv);
  const std::string what = storage_name(s);
  expect_same_bits(got.probs, round_to(ref.probs, s), what + " probs");
  expect_same_bits(got.context, round_to(ref.context, s), what + " context");
  expect_same_bits(got.dprobs, round_to(ref.dprobs, s), what + " dprobs");
  expect_same_bits(got.dqkv, round_to(ref.dqkv, s), what + " dqkv");

  const AttentionRun fp32 = run_attention(d, qkv, dcontext);
  const AttentionResult bound = storage_bound(d, qkv, fp32.probs, s, range);
  expect_within(widen(got.probs), to_double(fp32.probs), bound.probs, what + " probs vs fp32");
  expect_within(widen(got.context), to_double(fp32.context), bound.context,
                what + " context vs fp32");
}

INSTANTIATE_TEST_SUITE_P(Types, AttentionStorage, ::testing::Values(DType::bf16, DType::f16),
                         [](const auto& p) { return storage_name(p.param); });

// |bf16 math - fp32| of dqkv, the backward from fp32 probabilities P and dO (doc/engine.md,
// "Math modes"), with beta_k = 2 u_b + u_b^2 + 2 gamma_k (1 + u_b)^2 the bound of a k-term
// product of bf16-rounded inputs against the fp32 one, relative to its |a||b|:
//   dV = Pᵀ dO:   beta_t Σ_i P_ij |dO_i|;
//   dP = dO Vᵀ:   f_ij = beta_hd Σ_c |dO_ic||V_jc|;
//   dS = P ⊙ (dP - Σ_k P_k dP_k) in fp32 from the perturbed dP:
//                 g_ij = P_ij (f_ij + Σ_k P_ik f_ik) + 2 gamma_{t+2} P_ij (|dP_ij| + Σ_k P_ik
//                 |dP_ik|), |dP| taken with f added;
//   dQ = scale dS K: scale (Σ_j g_ij |K_j| + beta_{t+1} Σ_j (|dS_ij| + g_ij) |K_j|), dK alike.
Vec bf16_math_backward_bound(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                             const Tensor& dcontext) {
  const std::int64_t t = d.tokens, dim = d.dim, hd = d.head_dim(), ld = 3 * dim;
  const double ub = 0x1p-8;
  const auto beta = [&](std::int64_t k) {
    return 2 * ub + ub * ub + 2 * gamma(k) * (1 + ub) * (1 + ub);
  };
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  const float* x = qkv.data<float>();
  const float* dout = dcontext.data<float>();
  Vec tol(qkv.numel());
  for (std::int64_t b = 0; b < d.batch; ++b)
    for (std::int64_t h = 0; h < d.heads; ++h) {
      const auto at = [&](std::int64_t row, int part, std::int64_t c) {
        return double{x[(b * t + row) * ld + part * dim + h * hd + c]};
      };
      const auto dO = [&](std::int64_t row, std::int64_t c) {
        return double{dout[(b * t + row) * dim + h * hd + c]};
      };
      const float* p = probs.data<float>() + (b * d.heads + h) * t * t;
      Vec dp(t * t), f(t * t), ds(t * t), g(t * t);
      for (std::int64_t i = 0; i < t; ++i)
        for (std::int64_t j = 0; j < t; ++j)
          for (std::int64_t c = 0; c < hd; ++c) {
            dp[i * t + j] += std::fabs(dO(i, c) * at(j, 2, c));  // |dP| <= Σ|dO||V|
            f[i * t + j] += beta(hd) * std::fabs(dO(i, c) * at(j, 2, c));
          }
      for (std::int64_t i = 0; i < t; ++i) {
        double pf = 0.0, pdp = 0.0;
        for (std::int64_t k = 0; k < t; ++k) {
          pf += p[i * t + k] * f[i * t + k];
          pdp += p[i * t + k] * (dp[i * t + k] + f[i * t + k]);
        }
        for (std::int64_t j = 0; j < t; ++j) {
          const double pij = p[i * t + j];
          ds[i * t + j] = pij * (dp[i * t + j] + pdp);  // |dS|
          g[i * t + j] = pij * (f[i * t + j] + pf) +
                         2 * gamma(t + 2) * pij * (dp[i * t + j] + f[i * t + j] + pdp);
        }
      }
      for (std::int64_t r = 0; r < t; ++r)
        for (std::int64_t c = 0; c < hd; ++c) {
          double dq = 0.0, dk = 0.0, dv = 0.0;
          for (std::int64_t o = 0; o < t; ++o) {
            dq += g[r * t + o] * std::fabs(at(o, 1, c)) +
                  beta(t + 1) * (ds[r * t + o] + g[r * t + o]) * std::fabs(at(o, 1, c));
            dk += g[o * t + r] * std::fabs(at(o, 0, c)) +
                  beta(t + 1) * (ds[o * t + r] + g[o * t + r]) * std::fabs(at(o, 0, c));
            dv += beta(t) * p[o * t + r] * std::fabs(dO(o, c));
          }
          double* row = &tol[(b * t + r) * ld + h * hd + c];
          row[0] = scale * dq;
          row[dim] = scale * dk;
          row[2 * dim] = dv;
        }
    }
  return tol;
}

// run.math = bf16 (ops/math_mode.hpp): forward and backward against the fp32 op within the
// bounds above, and not the fp32 result bit for bit.
TEST(AttentionBf16Math, WithinTheBoundOfBf16ProductsAndNotFp32) {
  if (!ops::cpu_bf16_missing().empty()) {  // tests/ops/test_bf16_math.cpp checks the refusal
    EXPECT_THROW(ops::set_math_mode(ops::MathMode::bf16), Error);
    return;
  }
  const AttentionDesc d{2, 9, 32, 2};  // head_dim 16
  const float range = 2.0f;
  const Tensor qkv = random_tensor(qkv_shape(d), 43, -range, range);
  const Tensor dcontext = random_tensor(context_shape(d), 44);
  const AttentionRun fp32 = run_attention(d, qkv, dcontext);
  AttentionRun bf16{Tensor::empty(probs_shape(d)), Tensor::empty(context_shape(d)),
                    Tensor::empty(probs_shape(d)), Tensor::empty(qkv_shape(d))};
  {
    const MathScope scope(ops::MathMode::bf16);
    ops::attention_forward(d, qkv, bf16.probs, bf16.context);
    // From the fp32 probabilities, so that the backward's bound is its own.
    ops::attention_backward(d, qkv, fp32.probs, dcontext, bf16.dprobs, bf16.dqkv);
  }
  const AttentionResult bound = storage_bound(d, qkv, fp32.probs, DType::bf16, range, true);
  expect_within(bf16.probs, to_double(fp32.probs), bound.probs, "bf16 math probs");
  expect_within(bf16.context, to_double(fp32.context), bound.context, "bf16 math context");
  expect_within(bf16.dqkv, to_double(fp32.dqkv),
                bf16_math_backward_bound(d, qkv, fp32.probs, dcontext), "bf16 math dqkv");
  for (const auto& [got, want, what] :
       {std::tuple{&bf16.context, &fp32.context, "context"}, {&bf16.dqkv, &fp32.dqkv, "dqkv"}}) {
    std::int64_t differ = 0;
    for (std::int64_t i = 0; i < got->numel(); ++i)
      differ += got->data<float>()[i] != want->data<float>()[i];
    EXPECT_GT(differ, 0) << what << ": bf16 math gave the fp32 result bit for bit";
  }
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
  nn::SelfAttentionWeights w{random_tensor({3 * dim, dim}, 11, -0.5f, 0.5f),
                             random_tensor({3 * dim}, 12), random_tensor({dim, dim}, 13),
                             random_tensor({dim}, 14)};
  SelfAttentionArgs args{to_double(x), to_double(w.in_w), to_double(w.in_b), to_double(w.out_w),
                         to_double(w.out_b)};
  nn::SelfAttentionCache cache = nn::SelfAttentionCache::allocate(kAttn, Device::cpu);
};

TEST_F(SelfAttention, ForwardMatchesReference) {
  Tensor y = Tensor::empty({rows, dim});
  nn::self_attention_forward(kAttn, x, w, cache, y);
  // Dot products of 12 O(1) terms around the attention: a few tens of u of the output.
  expect_close(y, self_attention_ref(kAttn, args), kSmoothRel, "self_attention");
}

TEST_F(SelfAttention, BackwardMatchesCentralDifferences) {
  Tensor y = Tensor::empty({rows, dim}), r = random_tensor({rows, dim}, 15);
  Tensor dx = cache.dcontext;  // dx may share storage with the context gradient
  nn::SelfAttentionWeights g{Tensor::empty(w.in_w.shape()), Tensor::empty(w.in_b.shape()),
                             Tensor::empty(w.out_w.shape()), Tensor::empty(w.out_b.shape())};
  nn::self_attention_forward(kAttn, x, w, cache, y);
  nn::self_attention_backward(kAttn, x, w, cache, r, dx, g);
  const Vec rd = to_double(r);
  auto loss = [&] { return dot(rd, self_attention_ref(kAttn, args)); };
  expect_close(dx, numeric_gradient(args.x, loss, kSmoothStep), kSmoothRel, "dx");
  expect_close(g.in_w, numeric_gradient(args.in_w, loss, kSmoothStep), kSmoothRel, "d in_w");
  expect_close(g.in_b, numeric_gradient(args.in_b, loss, kSmoothStep), kSmoothRel, "d in_b");
  expect_close(g.out_w, numeric_gradient(args.out_w, loss, kSmoothStep), kSmoothRel, "d out_w");
  expect_close(g.out_b, numeric_gradient(args.out_b, loss, kSmoothStep), kSmoothRel, "d out_b");
}

class SelfAttentionStorage : public ::testing::TestWithParam<DType> {};

TEST_P(SelfAttentionStorage, IsItsOpsOneAfterTheOther) {
  const DType s = GetParam();
  const AttentionDesc d = kAttn;
  const std::int64_t rows = d.batch * d.tokens, dim = d.dim;
  const Tensor x = round_to(random_tensor({rows, dim}, 20), s);
  const nn::SelfAttentionWeights w{round_to(random_tensor({3 * dim, dim}, 21, -0.5f, 0.5f), s),
                                   round_to(random_tensor({3 * dim}, 22), s),
                                   round_to(random_tensor({dim, dim}, 23), s),
                                   round_to(random_tensor({dim}, 24), s)};
  const Tensor dy = round_to(random_tensor({rows, dim}, 25), s);
  const auto grads = [&] {
    return nn::SelfAttentionWeights{Tensor::empty(w.in_w.shape()), Tensor::empty(w.in_b.shape()),
                                    Tensor::empty(w.out_w.shape()), Tensor::empty(w.out_b.shape())};
  };
  nn::SelfAttentionCache c = nn::SelfAttentionCache::allocate(d, Device::cpu, s);
  EXPECT_EQ(c.probs.dtype(), s);
  Tensor y = Tensor::empty({rows, dim}, s), dx = Tensor::empty({rows, dim}, s);
  nn::SelfAttentionWeights g = grads();
  nn::self_attention_forward(d, x, w, c, y);
  nn::self_attention_backward(d, x, w, c, dy, dx, g);

  const ops::LinearDesc in{rows, dim, 3 * dim, true}, out{rows, dim, dim, true};
  const Shape tokens_qkv{d.batch, d.tokens, 3 * dim}, tokens{d.batch, d.tokens, dim};
  Tensor qkv = Tensor::empty(tokens_qkv, s), probs = Tensor::empty(probs_shape(d), s);
  Tensor context = Tensor::empty(tokens, s), want_y = Tensor::empty({rows, dim}, s);
  Tensor qkv_rows = qkv.reshape({rows, 3 * dim}), context_rows = context.reshape({rows, dim});
  ops::linear_forward(in, x, w.in_w, &w.in_b, qkv_rows);
  ops::attention_forward(d, qkv, probs, context);
  ops::linear_forward(out, context_rows, w.out_w, &w.out_b, want_y);
  expect_same_bits(y, want_y, storage_name(s) + " y");

  Tensor dcontext = Tensor::empty({rows, dim}, s), dprobs = Tensor::empty(probs_shape(d), s);
  Tensor dqkv = Tensor::empty(tokens_qkv, s), want_dx = Tensor::empty({rows, dim}, s);
  nn::SelfAttentionWeights want_g = grads();
  ops::linear_backward(out, context_rows, w.out_w, dy, &dcontext, want_g.out_w, &want_g.out_b);
  ops::attention_backward(d, qkv, probs, dcontext.reshape(tokens), dprobs, dqkv);
  ops::linear_backward(in, x, w.in_w, dqkv.reshape({rows, 3 * dim}), &want_dx, want_g.in_w,
                       &want_g.in_b);
  expect_same_bits(dx, want_dx, storage_name(s) + " dx");
  expect_same_bits(g.in_w, want_g.in_w, storage_name(s) + " d in_w");
  expect_same_bits(g.in_b, want_g.in_b, storage_name(s) + " d in_b");
  expect_same_bits(g.out_w, want_g.out_w, storage_name(s) + " d out_w");
  expect_same_bits(g.out_b, want_g.out_b, storage_name(s) + " d out_b");
}

INSTANTIATE_TEST_SUITE_P(Types, SelfAttentionStorage, ::testing::Values(DType::bf16, DType::f16),
                         [](const auto& p) { return storage_name(p.param); });

}  // namespace
}  // namespace swag::test
