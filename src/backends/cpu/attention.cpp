// Scaled dot-product attention, one (sample, head) pair per work item: the products are
// oneDNN SGEMMs on strided views of the fused qkv tensor (single-threaded inside the parallel
// loop, so the result does not depend on the thread count), the softmax a row loop between them.
// bf16 and f16 tensors run the same fp32 code on widened copies, their outputs (probabilities,
// context, dqkv and the dprobs scratch) rounded once (gemm_staging.hpp). In bf16 math the
// products are bf16_gemm's (bf16_gemm.hpp); the softmax and its gradient stay fp32.
#include <cmath>

#include "bf16_gemm.hpp"
#include "gemm_staging.hpp"
#include "host_parallel.hpp"
#include "lane_sum.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/element_math.hpp"

namespace swag::cpu {
namespace {

// Row-wise softmax of a [rows, n] matrix in place. Exponents are taken of z - max(z) <= 0, so
// every term lies in [0, 1] and the sum in [1, n], whatever the magnitude of the logits.
void softmax_rows(float* p, std::int64_t rows, std::int64_t n) {
  for (std::int64_t i = 0; i < rows; ++i) {
    float* row = p + i * n;
    const float m = lane_max(row, n);
    for (std::int64_t j = 0; j < n; ++j) row[j] = ops::math::exp_nonpositive(row[j] - m);
    const auto inv = static_cast<float>(1.0 / lane_sum(n, [&](std::int64_t j) { return row[j]; }));
    for (std::int64_t j = 0; j < n; ++j) row[j] *= inv;
  }
}

void forward_f32(const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs, Tensor& context) {
  const std::int64_t t = d.tokens, dim = d.dim, heads = d.heads, hd = d.head_dim();
  const std::int64_t ld = 3 * dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* const qkvp = qkv.data<float>();
  float* const pp = probs.data<float>();
  float* const cp = context.data<float>();
  const bool bf16 = bf16_products();
  host_for(
      "swag::attention_forward", d.batch * heads, KOKKOS_LAMBDA(std::int64_t bh) {
        const std::int64_t b = bh / heads, h = bh % heads;
        const float* q = qkvp + b * t * ld + h * hd;
        float* p = pp + bh * t * t;
        gemm(bf16, 'N', 'T', t, t, hd, scale, q, ld, q + dim, ld, 0.0f, p, t);  // Q Kᵀ / sqrt(hd)
        softmax_rows(p, t, t);
        gemm(bf16, 'N', 'N', t, hd, t, 1.0f, p, t, q + 2 * dim, ld, 0.0f, cp + b * t * dim + h * hd,
             dim);  // P V
      });
}

// With S the scaled logits, P = softmax(S), O = P V and dO given:
// dV = Pᵀ dO, dP = dO Vᵀ, dS = P ⊙ (dP - rowsum(P ⊙ dP)), dQ = dS K / sqrt(hd),
// dK = dSᵀ Q / sqrt(hd).
void backward_f32(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                  const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  const std::int64_t t = d.tokens, dim = d.dim, heads = d.heads, hd = d.head_dim();
  const std::int64_t ld = 3 * dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* const qkvp = qkv.data<float>();
  const float* const pp = probs.data<float>();
  const float* const dcp = dcontext.data<float>();
  float* const dpp = dprobs.data<float>();
  float* const dqkvp = dqkv.data<float>();
  const bool bf16 = bf16_products();
  host_for(
      "swag::attention_backward", d.batch * heads, KOKKOS_LAMBDA(std::int64_t bh) {
        const std::int64_t b = bh / heads, h = bh % heads;
        const float* q = qkvp + b * t * ld + h * hd;
        const float* k = q + dim;
        const float* v = q + 2 * dim;
        const float* p = pp + bh * t * t;
        const float* dout = dcp + b * t * dim + h * hd;
        float* ds = dpp + bh * t * t;
        float* dq = dqkvp + b * t * ld + h * hd;
        gemm(bf16, 'T', 'N', t, hd, t, 1.0f, p, t, dout, dim, 0.0f, dq + 2 * dim, ld);  // dV
        gemm(bf16, 'N', 'T', t, t, hd, 1.0f, dout, dim, v, ld, 0.0f, ds, t);            // dP
        for (std::int64_t i = 0; i < t; ++i) {
          const float* pr = p + i * t;
          float* dr = ds + i * t;
          const auto dot =
              static_cast<float>(lane_sum(t, [&](std::int64_t j) { return pr[j] * dr[j]; }));
          for (std::int64_t j = 0; j < t; ++j) dr[j] = pr[j] * (dr[j] - dot);
        }
        gemm(bf16, 'N', 'N', t, hd, t, scale, ds, t, k, ld, 0.0f, dq, ld);        // dQ
        gemm(bf16, 'T', 'N', t, hd, t, scale, ds, t, q, ld, 0.0f, dq + dim, ld);  // dK
      });
}

}  // namespace

void attention_forward(const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs,
                       Tensor& context) {
  Fp32Staging s("attention");
  forward_f32(d, s.in(qkv), s.out(probs), s.out(context));
  s.store();
}

void attention_backward(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  Fp32Staging s("attention");
  backward_f32(d, s.in(qkv), s.in(probs), s.in(dcontext), s.out(dprobs), s.out(dqkv));
  s.store();
}

}  // namespace swag::cpu
