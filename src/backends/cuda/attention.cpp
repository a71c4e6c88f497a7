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
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "vit_kernels.hpp"

namespace swag::cuda {
namespace {

// The most workspace a GEMM may use (as linear.cpp).
constexpr std::size_t kGemmWorkspace = std::size_t{32} << 20;

// A column-major operand of a batched GEMM: pointer to the first matrix, leading dimension and
// the stride between the matrices of the batch, in elements.
struct Operand {
  const float* p;
  std::int64_t ld, stride;
};

// One batched GEMM's shape, strides and pointer alignments: the heuristic's choice depends on
// all of them (head views of qkv start anywhere a multiple of 4 bytes).
struct GemmKey {
  cublasOperation_t trans_a, trans_b;
  std::int64_t m, n, k, batch;
  std::int64_t lda, ldb, ldd, stride_a, stride_b, stride_d;
  std::uint32_t align_a, align_b, align_d;
  Math math;
  bool operator==(const GemmKey&) const = default;
};

// fp32 in and out, fp32 accumulation; the products as the math mode allows.
cublasComputeType_t compute_type(Math math) {
  switch (math) {
    case Math::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case Math::bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;
    case Math::fp32: break;
  }
  return CUBLAS_COMPUTE_32F;
}

std::uint32_t alignment(const void* p) {
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  return address == 0 ? 256
                      : static_cast<std::uint32_t>(std::min<std::uintptr_t>(
                            256, address & (~address + 1)));  // lowest set bit
}

template <class T, cublasStatus_t (*destroy)(T)>
struct Destroyer {
  void operator()(T p) const { destroy(p); }
};
using MatmulDesc = std::unique_ptr<std::remove_pointer_t<cublasLtMatmulDesc_t>,
                                   Destroyer<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>>;
using Layout = std::unique_ptr<std::remove_pointer_t<cublasLtMatrixLayout_t>,
                               Destroyer<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>>;
using Preference =
    std::unique_ptr<std::remove_pointer_t<cublasLtMatmulPreference_t>,
                    Destroyer<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>>;

// A column-major rows x cols fp32 matrix with leading dimension ld, `batch` of them `stride`
// elements apart.
Layout layout(std::int64_t rows, std::int64_t cols, std::int64_t ld, std::int64_t batch,
              std::int64_t stride) {
  cublasLtMatrixLayout_t l = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, static_cast<std::uint64_t>(rows),
                                             static_cast<std::uint64_t>(cols), ld));
  Layout owned(l);
  const auto count = static_cast<std::int32_t>(batch);
  SWAG_CUDA_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                                   sizeof count));
  SWAG_CUDA_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                   &stride, sizeof stride));
  return owned;
}

struct Plan {
  MatmulDesc desc;
  Layout a, b, d;
  cublasLtMatmulHeuristicResult_t heuristic{};
};

std::unique_ptr<Plan> make_plan(const GemmKey& g) {
  auto p = std::make_unique<Plan>();
  cublasLtMatmulDesc_t desc = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatmulDescCreate(&desc, compute_type(g.math), CUDA_R_32F));
  p->desc.reset(desc);
  SWAG_CUDA_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &g.trans_a,
                                                 sizeof g.trans_a));
  SWAG_CUDA_CHECK(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &g.trans_b,
                                                 sizeof g.trans_b));
  const bool ta = g.trans_a == CUBLAS_OP_T, tb = g.trans_b == CUBLAS_OP_T;
  p->a = ta ? layout(g.k, g.m, g.lda, g.batch, g.stride_a)
            : layout(g.m, g.k, g.lda, g.batch, g.stride_a);
  p->b = tb ? layout(g.n, g.k, g.ldb, g.batch, g.stride_b)
            : layout(g.k, g.n, g.ldb, g.batch, g.stride_b);
  p->d = layout(g.m, g.n, g.ldd, g.batch, g.stride_d);

  cublasLtMatmulPreference_t pref = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  const Preference owned(pref);
  const auto set_pref = [pref](cublasLtMatmulPreferenceAttributes_t attribute, auto value) {
    SWAG_CUDA_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, attribute, &value, sizeof value));
  };
  set_pref(CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, std::uint64_t{kGemmWorkspace});
  set_pref(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, g.align_a);
  set_pref(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, g.align_b);
  set_pref(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, g.align_d);
  set_pref(CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, g.align_d);
  int found = 0;
  SWAG_CUDA_CHECK(cublasLtMatmulAlgoGetHeuristic(context().cublaslt(), desc, p->a.get(), p->b.get(),
                                                 p->d.get(), p->d.get(), pref, 1, &p->heuristic,
                                                 &found));
  if (found == 0)
    fail(ExitCode::failure,
         "attention on CUDA: cuBLASLt has no {} algorithm for {} batched {}x{}x{} products",
         ops::math_mode_name(g.math), g.batch, g.m, g.n, g.k);
  return p;
}

// D_i = alpha op(A_i) op(B_i) for i < batch, all column-major; D is m x n.
void batched_gemm(cublasOperation_t trans_a, cublasOperation_t trans_b, std::int64_t m,
                  std::int64_t n, std::int64_t k, std::int64_t batch, float alpha, const Operand& a,
                  const Operand& b, float* d, std::int64_t ldd, std::int64_t stride_d) {
  Context& ctx = context();
  const GemmKey key{
      trans_a,      trans_b,   m,        n,        k,        batch,          a.ld,
      b.ld,         ldd,       a.stride, b.stride, stride_d, alignment(a.p), alignment(b.p),
      alignment(d), ctx.math()};
  // An attention layer has six distinct products per shape (per math mode); a linear search
  // finds them quickly.
  static std::vector<std::pair<GemmKey, std::unique_ptr<Plan>>> plans;
  auto it = std::find_if(plans.begin(), plans.end(), [&](const auto& e) { return e.first == key; });
  if (it == plans.end()) it = plans.emplace(plans.end(), key, make_plan(key));
  const Plan& p = *it->second;

  const std::size_t bytes = p.heuristic.workspaceSize;
  const float zero = 0.0f;
  SWAG_CUDA_CHECK(cublasLtMatmul(ctx.cublaslt(), p.desc.get(), &alpha, a.p, p.a.get(), b.p,
                                 p.b.get(), &zero, d, p.d.get(), d, p.d.get(), &p.heuristic.algo,
                                 ctx.workspace(bytes), bytes, ctx.stream()));
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
