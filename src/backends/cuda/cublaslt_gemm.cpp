// The cuBLASLt plumbing of linear.cpp and attention.cpp (cublaslt_gemm.hpp).
#include "cublaslt_gemm.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <type_traits>

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/core/error.hpp"
#include "swag/ops/math_mode.hpp"

namespace swag::cuda {
namespace {

// fp32 accumulation; for fp32 operands the products as the math mode allows (16-bit operands
// come with Math::fp32, gemm_math).
cublasComputeType_t compute_type(Math math) {
  switch (math) {
    case Math::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case Math::bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;
    case Math::fp32: break;
  }
  return CUBLAS_COMPUTE_32F;
}

using Preference =
    std::unique_ptr<std::remove_pointer_t<cublasLtMatmulPreference_t>,
                    Destroyer<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>>;

// The arithmetic in error messages: the math mode for fp32 operands, else the storage type.
std::string_view arithmetic(const GemmKey& g) {
  switch (g.ab_type) {
    case CUDA_R_16BF: return "bf16-storage";
    case CUDA_R_16F: return "f16-storage";
    default: return ops::math_mode_name(g.math);
  }
}

// A column-major rows x cols matrix of `type` with leading dimension ld; when batched, `batch`
// of them `stride` elements apart.
MatrixLayout layout(cudaDataType_t type, std::int64_t rows, std::int64_t cols, std::int64_t ld,
                    bool batched, std::int64_t batch, std::int64_t stride) {
  cublasLtMatrixLayout_t l = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatrixLayoutCreate(&l, type, static_cast<std::uint64_t>(rows),
                                             static_cast<std::uint64_t>(cols), ld));
  MatrixLayout owned(l);
  if (batched) {
    const auto count = static_cast<std::int32_t>(batch);
    SWAG_CUDA_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                                     sizeof count));
    SWAG_CUDA_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                     &stride, sizeof stride));
  }
  return owned;
}

// The largest power of two, at most 256, that divides `bytes` (256 for 0).
std::uint32_t power_of_two_dividing(std::uint64_t bytes) {
  return bytes == 0 ? 256
                    : static_cast<std::uint32_t>(
                          std::min<std::uint64_t>(256, bytes & (~bytes + 1)));  // lowest set bit
}

}  // namespace

std::uint32_t alignment(const void* p) {
  return power_of_two_dividing(reinterpret_cast<std::uintptr_t>(p));
}

std::uint32_t operand_alignment(const void* p, std::int64_t ld, std::int64_t stride,
                                std::size_t element_bytes) {
  std::uint32_t a = alignment(p);
  for (const std::int64_t count : {ld, stride})
    a = std::min(a, power_of_two_dividing(static_cast<std::uint64_t>(count) * element_bytes));
  return a;
}

std::unique_ptr<GemmPlan> make_gemm_plan(const GemmKey& g, const void* bias,
                                         std::string_view op_name) {
  auto p = std::make_unique<GemmPlan>();
  cublasLtMatmulDesc_t desc = nullptr;
  SWAG_CUDA_CHECK(cublasLtMatmulDescCreate(&desc, compute_type(g.math), CUDA_R_32F));
  p->desc.reset(desc);
  set_desc_attribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, g.trans_a);
  set_desc_attribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, g.trans_b);
  if (g.bias) {
    set_desc_attribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, CUBLASLT_EPILOGUE_BIAS);
    // the heuristic reads its alignment
    set_desc_attribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
  }
  const bool ta = g.trans_a == CUBLAS_OP_T, tb = g.trans_b == CUBLAS_OP_T;
  p->a = ta ? layout(g.ab_type, g.k, g.m, g.lda, g.batched, g.batch, g.stride_a)
            : layout(g.ab_type, g.m, g.k, g.lda, g.batched, g.batch, g.stride_a);
  p->b = tb ? layout(g.ab_type, g.n, g.k, g.ldb, g.batched, g.batch, g.stride_b)
            : layout(g.ab_type, g.k, g.n, g.ldb, g.batched, g.batch, g.stride_b);
  p->d = layout(g.d_type, g.m, g.n, g.ldd, g.batched, g.batch, g.stride_d);

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
  if (found == 0) {
    if (g.batched)
      fail(ExitCode::failure,
           "{} on CUDA: cuBLASLt has no {} algorithm for {} batched {}x{}x{} products", op_name,
           arithmetic(g), g.batch, g.m, g.n, g.k);
    fail(ExitCode::failure, "{} on CUDA: cuBLASLt has no {} algorithm for {}x{}x{}", op_name,
         arithmetic(g), g.m, g.n, g.k);
  }
  return p;
}

const GemmPlan& GemmPlans::get(const GemmKey& key, const void* bias, std::string_view op_name) {
  auto it =
      std::find_if(plans_.begin(), plans_.end(), [&](const auto& e) { return e.first == key; });
  if (it == plans_.end())
    it = plans_.emplace(plans_.end(), key, make_gemm_plan(key, bias, op_name));
  return *it->second;
}

void run_gemm(const GemmPlan& p, float alpha, const void* a, const void* b, void* d,
              std::size_t workspace_offset) {
  Context& ctx = context();
  const std::size_t bytes = p.heuristic.workspaceSize;
  void* const workspace =
      static_cast<char*>(ctx.workspace(workspace_offset + bytes)) + workspace_offset;
  const float zero = 0.0f;
  SWAG_CUDA_CHECK(cublasLtMatmul(ctx.cublaslt(), p.desc.get(), &alpha, a, p.a.get(), b, p.b.get(),
                                 &zero, d, p.d.get(), d, p.d.get(), &p.heuristic.algo, workspace,
                                 bytes, ctx.stream()));
}

}  // namespace swag::cuda
