// Fully connected layer through cuBLASLt.
//
// cuBLASLt is column-major and our tensors row-major: the bytes of a row-major [r, c] matrix are
// its transpose as a column-major c x r one. For x [M, K], w [N, K], y [M, N] the buffers hold
// Xc = X^T (K x M), Wc = W^T (K x N) and dYc = dY^T (N x M), so each pass computes the
// transpose of its result, which is the row-major result itself:
//   forward      Y^T  = Wc^T Xc    (N x M)
//   input grad   dX^T = Wc dYc     (K x M)
//   weight grad  dW^T = Xc dYc^T   (K x N)
// The bias rides on the forward GEMM's epilogue (one value per row of Y^T); its gradient is a
// column sum of dY.
//
// Numerics: fp32 data, fp32 accumulation, the products in the context's math mode
// (swag/ops/math_mode.hpp): CUBLAS_COMPUTE_32F in fp32 mode (no TF32: parity with the CPU
// backend), CUBLAS_COMPUTE_32F_FAST_TF32 in tf32, CUBLAS_COMPUTE_32F_FAST_16BF in bf16 (bf16
// tensor-core products; cuBLASLt may also pick TF32 kernels for it). Plans are cached per shape,
// alignment and math mode.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {
namespace {

// The most workspace a GEMM may use (what NVIDIA recommends for Hopper).
constexpr std::size_t kGemmWorkspace = std::size_t{32} << 20;

// One GEMM's shape, in cuBLASLt's column-major terms, and the alignment of its pointers: the
// heuristic's choice depends on both, since misaligned operands rule out vectorized kernels
// (parameter views and row slices need not start on 16 bytes).
struct GemmKey {
  cublasOperation_t trans_a, trans_b;
  std::int64_t m, n, k;
  bool bias;
  std::uint32_t align_a, align_b, align_d, align_bias;
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

template <class T>
void set(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, const T& value) {
  SWAG_CUDA_CHECK(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof value));
}

// A packed column-major rows x cols fp32 matrix.
Layout layout(std::int64_t rows, std::int64_t cols) {
  cublasLtMatrixLayout_t l = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, static_cast<std::uint64_t>(rows),
                                             static_cast<std::uint64_t>(cols), rows));
  return Layout(l);
}

// Descriptors and the algorithm for one GemmKey, built on first use.
struct Plan {
  MatmulDesc desc;
  Layout a, b, d;
  cublasLtMatmulHeuristicResult_t heuristic{};
};

std::unique_ptr<Plan> make_plan(const GemmKey& g, const float* bias) {
  auto p = std::make_unique<Plan>();
  cublasLtMatmulDesc_t desc = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatmulDescCreate(&desc, compute_type(g.math), CUDA_R_32F));
  p->desc.reset(desc);
  set(desc, CUBLASLT_MATMUL_DESC_TRANSA, g.trans_a);
  set(desc, CUBLASLT_MATMUL_DESC_TRANSB, g.trans_b);
  if (g.bias) {
    set(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, CUBLASLT_EPILOGUE_BIAS);
    set(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);  // the heuristic reads its alignment
  }
  const bool ta = g.trans_a == CUBLAS_OP_T, tb = g.trans_b == CUBLAS_OP_T;
  p->a = ta ? layout(g.k, g.m) : layout(g.m, g.k);
  p->b = tb ? layout(g.n, g.k) : layout(g.k, g.n);
  p->d = layout(g.m, g.n);

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
    fail(ExitCode::failure, "linear on CUDA: cuBLASLt has no {} algorithm for {}x{}x{}",
         ops::math_mode_name(g.math), g.m, g.n, g.k);
  return p;
}

// D = op(A) op(B) (+ bias per row of D), all column-major.
void gemm(cublasOperation_t trans_a, cublasOperation_t trans_b, std::int64_t m, std::int64_t n,
          std::int64_t k, const float* a, const float* b, float* d, const float* bias = nullptr) {
  Context& ctx = context();
  const GemmKey key{
      trans_a,      trans_b,         m,         n, k, bias != nullptr, alignment(a), alignment(b),
      alignment(d), alignment(bias), ctx.math()};
  // A model has a handful of distinct GEMMs (per math mode); a linear search finds them quickly.
  static std::vector<std::pair<GemmKey, std::unique_ptr<Plan>>> plans;
  auto it = std::find_if(plans.begin(), plans.end(), [&](const auto& e) { return e.first == key; });
  if (it == plans.end()) it = plans.emplace(plans.end(), key, make_plan(key, bias));
  const Plan& p = *it->second;
  if (bias) set(p.desc.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);

  const std::size_t bytes = p.heuristic.workspaceSize;
  const float one = 1.0f, zero = 0.0f;
  SWAG_CUDA_CHECK(cublasLtMatmul(ctx.cublaslt(), p.desc.get(), &one, a, p.a.get(), b, p.b.get(),
                                 &zero, d, p.d.get(), d, p.d.get(), &p.heuristic.algo,
                                 ctx.workspace(bytes), bytes, ctx.stream()));
}

}  // namespace

void linear_forward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  require_on_device("linear", {&x, &w, b, &y});
  gemm(CUBLAS_OP_T, CUBLAS_OP_N, d.out_features, d.rows, d.in_features, w.data<float>(),
       x.data<float>(), y.data<float>(), b ? b->data<float>() : nullptr);
}

void linear_backward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  require_on_device("linear", {&x, &w, &dy, dx, &dw, db});
  if (dx)
    gemm(CUBLAS_OP_N, CUBLAS_OP_N, d.in_features, d.rows, d.out_features, w.data<float>(),
         dy.data<float>(), dx->data<float>());
  gemm(CUBLAS_OP_N, CUBLAS_OP_T, d.in_features, d.out_features, d.rows, x.data<float>(),
       dy.data<float>(), dw.data<float>());
  if (db) bias_gradient(dy.data<float>(), db->data<float>(), d.rows, d.out_features);
}

}  // namespace swag::cuda
