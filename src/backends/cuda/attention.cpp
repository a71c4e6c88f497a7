// Scaled dot-product attention on the GPU: the four products of each pass are cuBLASLt
// strided-batched GEMMs on views of the fused qkv tensor, the softmax and its backward the row
// kernels of attention.cu. The algorithm is the CPU backend's (src/backends/cpu/attention.cpp).
//
// cuBLASLt is column-major: the bytes of a row-major [r, c] matrix with row stride ld are its
// transpose as a column-major c x r matrix with leading dimension ld. Per sample b and head h,
// Q, K, V are row-major [T, hd] with row stride 3D inside qkv (hd = D / H); as column-major
// hd x T matrices Qc, Kc, Vc they are the transposes. Writing Pc = Pᵀ (the probabilities' bytes,
// T x T) and dOc = dOᵀ (hd x T, stride D), each GEMM computes the transpose of the row-major
// result, which is that result's bytes:
//   forward   Sᵀ  = s Kcᵀ Qc      (T x T)       then P = softmax(S) by rows
//             Oᵀ  = Vc Pc         (hd x T)
//   backward  dVᵀ = dOc Pcᵀ       (hd x T)
//             dPᵀ = Vcᵀ dOc       (T x T)       then dS = P * (dP - rowsum(P * dP))
//             dQᵀ = s Kc dSc      (hd x T)
//             dKᵀ = s Qc dScᵀ     (hd x T)
// with s = 1 / sqrt(hd). One call per head covers the batch: with h fixed, the sample stride is
// uniform in every operand (T*3D in qkv, H*T*T in probs, T*D in context).
//
// Numerics: fp32 data and accumulation, the products in the context's math mode as in
// linear.cpp: CUBLAS_COMPUTE_32F in fp32 mode (no TF32), for parity with the CPU backend;
// CUBLAS_COMPUTE_32F_FAST_TF32 in tf32; CUBLAS_COMPUTE_32F_FAST_16BF in bf16. The softmax
// kernels are fp32 in every mode. cuBLASLt's result
// for a given algorithm, shape and GPU is bitwise reproducible (its split-K reductions keep a
// fixed order), and the algorithm is chosen once per shape.
#include <cmath>
#include <cstdint>

#include "cublaslt_gemm.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "attention_kernels.hpp"

namespace swag::cuda {
namespace {

// A column-major operand of a batched GEMM: pointer to the first matrix, leading dimension and
// the stride between the matrices of the batch, in elements.
struct Operand {
  const float* p;
  std::int64_t ld, stride;
};

// D_i = alpha op(A_i) op(B_i) for i < batch, all column-major; D is m x n. The plan depends on
// the shape, strides and pointer alignments (head views of qkv start anywhere a multiple of 4
// bytes) and the math mode.
void batched_gemm(cublasOperation_t trans_a, cublasOperation_t trans_b, std::int64_t m,
                  std::int64_t n, std::int64_t k, std::int64_t batch, float alpha, const Operand& a,
                  const Operand& b, float* d, std::int64_t ldd, std::int64_t stride_d) {
  const GemmKey key{.trans_a = trans_a,
                    .trans_b = trans_b,
                    .m = m,
                    .n = n,
                    .k = k,
                    .lda = a.ld,
                    .ldb = b.ld,
                    .ldd = ldd,
                    .batched = true,
                    .batch = batch,
                    .stride_a = a.stride,
                    .stride_b = b.stride,
                    .stride_d = stride_d,
                    .align_a = alignment(a.p),
                    .align_b = alignment(b.p),
                    .align_d = alignment(d),
                    .bias = false,
                    .align_bias = 0,
                    .math = context().math()};
  // An attention layer has six distinct products per shape (per math mode); a linear search
  // finds them quickly.
  static GemmPlans plans;
  run_gemm(plans.get(key, nullptr, "attention"), alpha, a.p, b.p, d);
}

// The per-head views: element offsets of head h's first matrix and the sample strides.
struct Views {
  std::int64_t t, dim, heads, hd, ld;  // ld: qkv's row stride, 3D
  float scale;
  explicit Views(const ops::AttentionDesc& d)
      : t(d.tokens),
        dim(d.dim),
        heads(d.heads),
        hd(d.head_dim()),
        ld(3 * d.dim),
        scale(1.0f / std::sqrt(static_cast<float>(d.head_dim()))) {}
  std::int64_t qkv_stride() const { return t * ld; }
  std::int64_t probs_stride() const { return heads * t * t; }
  std::int64_t context_stride() const { return t * dim; }
  // Q, K, V (part 0, 1, 2) of head h in a [B, T, 3D] tensor.
  Operand qkv(const float* base, int part, std::int64_t h) const {
    return {base + part * dim + h * hd, ld, qkv_stride()};
  }
  Operand probs(const float* base, std::int64_t h) const {
    return {base + h * t * t, t, probs_stride()};
  }
  // Head h's columns of a [B, T, D] tensor (context, dcontext).
  Operand heads_out(const float* base, std::int64_t h) const {
    return {base + h * hd, dim, context_stride()};
  }
};

}  // namespace

void attention_forward(const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs,
                       Tensor& context) {
  require_on_device("attention", {&qkv, &probs, &context});
  const Views v(d);
  const std::int64_t t = v.t, hd = v.hd, batch = d.batch;
  const float* x = qkv.data<float>();
  float* pp = probs.data<float>();
  float* cp = context.data<float>();
  for (std::int64_t h = 0; h < v.heads; ++h) {
    const Operand q = v.qkv(x, 0, h), k = v.qkv(x, 1, h);
    batched_gemm(CUBLAS_OP_T, CUBLAS_OP_N, t, t, hd, batch, v.scale, k, q, pp + h * t * t, t,
                 v.probs_stride());  // Sᵀ = s Kcᵀ Qc
  }
  kernels::softmax_rows(pp, batch * v.heads * t, t);
  for (std::int64_t h = 0; h < v.heads; ++h)
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_N, hd, t, t, batch, 1.0f, v.qkv(x, 2, h), v.probs(pp, h),
                 cp + h * hd, v.dim, v.context_stride());  // Oᵀ = Vc Pc
}

void attention_backward(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  require_on_device("attention", {&qkv, &probs, &dcontext, &dprobs, &dqkv});
  const Views v(d);
  const std::int64_t t = v.t, hd = v.hd, batch = d.batch, dim = v.dim;
  const float* x = qkv.data<float>();
  const float* pp = probs.data<float>();
  const float* dop = dcontext.data<float>();
  float* ds = dprobs.data<float>();
  float* dx = dqkv.data<float>();
  for (std::int64_t h = 0; h < v.heads; ++h) {
    const Operand dout = v.heads_out(dop, h);
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_T, hd, t, t, batch, 1.0f, dout, v.probs(pp, h),
                 dx + 2 * dim + h * hd, v.ld, v.qkv_stride());  // dVᵀ = dOc Pcᵀ
    batched_gemm(CUBLAS_OP_T, CUBLAS_OP_N, t, t, hd, batch, 1.0f, v.qkv(x, 2, h), dout,
                 ds + h * t * t, t, v.probs_stride());  // dPᵀ = Vcᵀ dOc
  }
  kernels::softmax_backward_rows(pp, ds, batch * v.heads * t, t);
  for (std::int64_t h = 0; h < v.heads; ++h) {
    const Operand dsh = v.probs(ds, h);
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_N, hd, t, t, batch, v.scale, v.qkv(x, 1, h), dsh,
                 dx + h * hd, v.ld, v.qkv_stride());  // dQᵀ = s Kc dSc
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_T, hd, t, t, batch, v.scale, v.qkv(x, 0, h), dsh,
                 dx + dim + h * hd, v.ld, v.qkv_stride());  // dKᵀ = s Qc dScᵀ
  }
}

}  // namespace swag::cuda
