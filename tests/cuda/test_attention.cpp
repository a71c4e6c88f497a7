// Scaled dot-product attention on CUDA against the CPU backend on the same random inputs:
// forward, backward and determinism, in fp32, bf16 and f16, each element within a first-order
// error bound computed on the host (derived in doc/gpu.md, "Tolerances of the GPU tests").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "parity.hpp"
#include "storage_parity.hpp"
#include "swag/ops/attention.hpp"

using namespace swag;
using swag::test::expect_within;
using swag::test::random_tensor;

namespace {

struct AttentionCase {
  const char* name;
  ops::AttentionDesc d;  // batch, tokens, dim, heads
  float range;           // qkv uniform in [-range, range)
};

// Two tokens; sizes that are multiples of nothing (head_dim 9, rows of 3D = 135 floats, so head
// views start on 4-byte boundaries only, 37 tokens); one head; peaked softmaxes (logits of tens);
// ViT-B/16 (2 images, 197 tokens, 768 features, 12 heads of 64).
const AttentionCase kCases[] = {
    {"tiny", {1, 2, 4, 2}, 1.0f},         {"odd", {3, 37, 45, 5}, 1.0f},
    {"one_head", {2, 50, 24, 1}, 2.0f},   {"peaked", {2, 20, 16, 2}, 8.0f},
    {"vit_b16", {2, 197, 768, 12}, 2.0f},
};

constexpr double kU = 0x1p-24;

struct Bounds {
  Tensor probs, context, dqkv;  // allowed |gpu - cpu|, per element
};

// The bounds at the top of this file, from the inputs and the CPU's probabilities (host f32);
// us and eta for 16-bit activations, 0 for fp32.
Bounds bounds(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
              const Tensor& dcontext, double us = 0.0, double eta = 0.0) {
  const std::int64_t t = d.tokens, dim = d.dim, hd = d.head_dim(), ld = 3 * dim;
  const double s = 1.0f / std::sqrt(static_cast<float>(hd));
  Bounds out{Tensor::zeros(probs.shape()), Tensor::zeros(dcontext.shape()),
             Tensor::zeros(qkv.shape())};
  const float* x = qkv.data<float>();
  const float* dop = dcontext.data<float>();
  std::vector<double> logit(t * t), a(t * t), dp(t * t), e(t * t), ds(t * t), b(t * t);
  for (std::int64_t bh = 0; bh < d.batch * d.heads; ++bh) {
    const std::int64_t n = bh / d.heads, h = bh % d.heads;
    const auto q = [&](std::int64_t i, std::int64_t c) { return x[(n * t + i) * ld + h * hd + c]; };
    const auto k = [&](std::int64_t i, std::int64_t c) { return q(i, dim + c); };
    const auto v = [&](std::int64_t i, std::int64_t c) { return q(i, 2 * dim + c); };
    const auto dout = [&](std::int64_t i, std::int64_t c) {
      return dop[(n * t + i) * dim + h * hd + c];
    };
    const float* p = probs.data<float>() + bh * t * t;
    float* bp = out.probs.data<float>() + bh * t * t;
    for (std::int64_t i = 0; i < t; ++i)
      for (std::int64_t j = 0; j < t; ++j) {
        double l = 0, m = 0, g = 0, gm = 0;
        for (std::int64_t c = 0; c < hd; ++c) {
          l += double{q(i, c)} * k(j, c);
          m += std::fabs(double{q(i, c)} * k(j, c));
          g += double{dout(i, c)} * v(j, c);
          gm += std::fabs(double{dout(i, c)} * v(j, c));
        }
        logit[i * t + j] = s * l;
        a[i * t + j] = 4.0 * hd * kU * s * m;
        dp[i * t + j] = g;
        e[i * t + j] = 4.0 * hd * kU * gm;
      }
    for (std::int64_t i = 0; i < t; ++i) {
      const double* li = &logit[i * t];
      const double mx = *std::max_element(li, li + t);
      double err = 0.0, dot = 0.0, dot_mag = 0.0, dot_err = 0.0;
      for (std::int64_t j = 0; j < t; ++j) {
        err = std::max(err, a[i * t + j] + kU * (mx - li[j]));
        dot += p[i * t + j] * dp[i * t + j];
        dot_mag += p[i * t + j] * std::fabs(dp[i * t + j]);
        dot_err += p[i * t + j] * e[i * t + j];
      }
      const double rel = 2.0 * err + (t + 16) * kU;
      dot_err += (t + 4) * kU * dot_mag;
      for (std::int64_t j = 0; j < t; ++j) {
        const double pij = p[i * t + j];
        bp[i * t + j] = static_cast<float>((rel + 2.0 * us) * pij + eta);
        ds[i * t + j] = pij * (dp[i * t + j] - dot);
        b[i * t + j] =
            pij * (e[i * t + j] + dot_err + 4.0 * kU * (std::fabs(dp[i * t + j]) + std::fabs(dot)));
      }
      float* bc = out.context.data<float>() + (n * t + i) * dim + h * hd;
      for (std::int64_t c = 0; c < hd; ++c) {
        double pv = 0.0;
        for (std::int64_t j = 0; j < t; ++j) pv += p[i * t + j] * std::fabs(v(j, c));
        bc[c] = static_cast<float>((rel + 4.0 * t * kU + 3.0 * us) * pv + eta);
      }
    }
    // dQ (row i), dK and dV (row j) of this head.
    float* bd = out.dqkv.data<float>() + n * t * ld + h * hd;
    for (std::int64_t r = 0; r < t; ++r)
      for (std::int64_t c = 0; c < hd; ++c) {
        double bq = 0.0, mq = 0.0, bk = 0.0, mk = 0.0, mv = 0.0;
        for (std::int64_t o = 0; o < t; ++o) {
          const double kk = std::fabs(k(o, c)), qq = std::fabs(q(o, c));
          bq += b[r * t + o] * kk;
          mq += (std::fabs(ds[r * t + o]) + b[r * t + o]) * kk;
          bk += b[o * t + r] * qq;
          mk += (std::fabs(ds[o * t + r]) + b[o * t + r]) * qq;
          mv += p[o * t + r] * std::fabs(dout(o, c));
        }
        bd[r * ld + c] = static_cast<float>(s * (bq + (4.0 * t * kU + 3.0 * us) * mq) + eta);
        bd[r * ld + dim + c] = static_cast<float>(s * (bk + (4.0 * t * kU + 3.0 * us) * mk) + eta);
        bd[r * ld + 2 * dim + c] = static_cast<float>((4.0 * t * kU + 2.0 * us) * mv + eta);
      }
  }
  return out;
}

class AttentionParity : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(AttentionParity, ForwardAndBackwardMatchTheCpuBackend) {
  const ops::AttentionDesc& d = GetParam().d;
  const Shape qkv_shape{d.batch, d.tokens, 3 * d.dim}, out_shape{d.batch, d.tokens, d.dim},
      probs_shape{d.batch, d.heads, d.tokens, d.tokens};
  Tensor qkv = random_tensor(qkv_shape, 80);
  for (std::int64_t i = 0; i < qkv.numel(); ++i) qkv.data<float>()[i] *= GetParam().range;
  const Tensor dcontext = random_tensor(out_shape, 81);
  const Tensor gqkv = cuda::to_device(qkv), gdcontext = cuda::to_device(dcontext);

  Tensor probs = Tensor::empty(probs_shape), context = Tensor::empty(out_shape);
  Tensor gprobs = test::device_garbage(probs_shape), gcontext = test::device_garbage(out_shape);
  ops::attention_forward(d, qkv, probs, context);
  ops::attention_forward(d, gqkv, gprobs, gcontext);

  // Backward from the CPU's probabilities on both sides.
  const Tensor sprobs = cuda::to_device(probs);
  Tensor dprobs = Tensor::empty(probs_shape), dqkv = Tensor::empty(qkv_shape);
  Tensor gdprobs = test::device_garbage(probs_shape), gdqkv = test::device_garbage(qkv_shape);
  ops::attention_backward(d, qkv, probs, dcontext, dprobs, dqkv);
  ops::attention_backward(d, gqkv, sprobs, gdcontext, gdprobs, gdqkv);

  const Bounds bound = bounds(d, qkv, probs, dcontext);
  expect_within("probs", gprobs, probs, bound.probs);
  expect_within("context", gcontext, context, bound.context);
  expect_within("dqkv", gdqkv, dqkv, bound.dqkv);

  // Deterministic: again, over fresh garbage, the same bits.
  Tensor gprobs2 = test::device_garbage(probs_shape), gcontext2 = test::device_garbage(out_shape);
  ops::attention_forward(d, gqkv, gprobs2, gcontext2);
  test::expect_bitwise_equal("probs (again)", gprobs2, gprobs);
  test::expect_bitwise_equal("context (again)", gcontext2, gcontext);
  Tensor gdprobs2 = test::device_garbage(probs_shape), gdqkv2 = test::device_garbage(qkv_shape);
  ops::attention_backward(d, gqkv, sprobs, gdcontext, gdprobs2, gdqkv2);
  test::expect_bitwise_equal("dqkv (again)", gdqkv2, gdqkv);
}

// The CUDA op on 16-bit tensors against the CPU op on the same inputs, within the bounds at the
// top of this file (compared as f32 values); the backward from the CPU's 16-bit probabilities on
// both sides; deterministic.
template <class T>
void check_storage_against_cpu(const AttentionCase& c) {
  const ops::AttentionDesc& d = c.d;
  const Shape qkv_shape{d.batch, d.tokens, 3 * d.dim}, out_shape{d.batch, d.tokens, d.dim},
      probs_shape{d.batch, d.heads, d.tokens, d.tokens};
  Tensor qkv32 = random_tensor(qkv_shape, 82);
  for (std::int64_t i = 0; i < qkv32.numel(); ++i) qkv32.data<float>()[i] *= c.range;
  const DType st = dtype_of<T>();
  const Tensor qkv = test::round_to(qkv32, st);
  const Tensor dcontext = test::round_to(random_tensor(out_shape, 83), st);
  const Tensor gqkv = cuda::to_device(qkv), gdcontext = cuda::to_device(dcontext);

  Tensor probs = Tensor::empty(probs_shape, st), context = Tensor::empty(out_shape, st);
  Tensor gprobs = test::device_garbage_as<T>(probs_shape);
  Tensor gcontext = test::device_garbage_as<T>(out_shape);
  ops::attention_forward(d, qkv, probs, context);
  ops::attention_forward(d, gqkv, gprobs, gcontext);

  const Tensor sprobs = cuda::to_device(probs);
  Tensor dprobs = Tensor::empty(probs_shape, st), dqkv = Tensor::empty(qkv_shape, st);
  Tensor gdprobs = test::device_garbage_as<T>(probs_shape);
  Tensor gdqkv = test::device_garbage_as<T>(qkv_shape);
  ops::attention_backward(d, qkv, probs, dcontext, dprobs, dqkv);
  ops::attention_backward(d, gqkv, sprobs, gdcontext, gdprobs, gdqkv);

  const double us = test::storage_roundoff(st);
  const double eta = std::is_same_v<T, f16> ? 0x1p-24 * (1.0 + d.tokens * c.range) : 0.0;
  const Bounds bound =
      bounds(d, test::widen(qkv), test::widen(probs), test::widen(dcontext), us, eta);
  const auto widened = [](const Tensor& g) {
    return cuda::to_device(test::widen(cuda::to_host(g)));
  };
  expect_within("probs", widened(gprobs), test::widen(probs), bound.probs);
  expect_within("context", widened(gcontext), test::widen(context), bound.context);
  expect_within("dqkv", widened(gdqkv), test::widen(dqkv), bound.dqkv);

  Tensor gprobs2 = test::device_garbage_as<T>(probs_shape);
  Tensor gcontext2 = test::device_garbage_as<T>(out_shape);
  ops::attention_forward(d, gqkv, gprobs2, gcontext2);
  test::expect_bitwise_equal("probs (again)", gprobs2, gprobs);
  test::expect_bitwise_equal("context (again)", gcontext2, gcontext);
  Tensor gdprobs2 = test::device_garbage_as<T>(probs_shape);
  Tensor gdqkv2 = test::device_garbage_as<T>(qkv_shape);
  ops::attention_backward(d, gqkv, sprobs, gdcontext, gdprobs2, gdqkv2);
  test::expect_bitwise_equal("dqkv (again)", gdqkv2, gdqkv);
}

TEST_P(AttentionParity, Bf16ActivationsMatchTheCpuBackend) {
  check_storage_against_cpu<bf16>(GetParam());
}

TEST_P(AttentionParity, F16ActivationsMatchTheCpuBackend) {
  check_storage_against_cpu<f16>(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cuda, AttentionParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

}  // namespace
