// The cuBLASLt plumbing of linear.cpp and attention.cpp: one GEMM's key (shape, strides,
// alignments, math mode), its plan (descriptors and the algorithm the heuristic picks, built once
// per key) and the call. Internal to the CUDA backend; each op keeps its own plan cache.
//
// Numerics: fp32 data in and out, fp32 accumulation, the products in the key's math mode:
// CUBLAS_COMPUTE_32F in fp32 (no TF32), CUBLAS_COMPUTE_32F_FAST_TF32 in tf32,
// CUBLAS_COMPUTE_32F_FAST_16BF in bf16.
#pragma once
#include <cublasLt.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"

namespace swag::cuda {

// One GEMM D = alpha op(A) op(B) in cuBLASLt's column-major terms (D is m x n, the inner
// dimension k), its leading dimensions and the alignment of its pointers: the heuristic's choice
// depends on all of them, since misaligned operands rule out vectorized kernels (parameter views,
// row slices and head views of qkv need not start on 16 bytes).
// batched: the layouts carry BATCH_COUNT = batch and STRIDED_BATCH_OFFSET = stride_a, stride_b,
// stride_d (attention); otherwise neither is set (linear: batch 1, strides 0).
// bias: a bias per row of D on the epilogue, whose pointer has alignment align_bias.
struct GemmKey {
  cublasOperation_t trans_a, trans_b;
  std::int64_t m, n, k;
  std::int64_t lda, ldb, ldd;
  bool batched;
  std::int64_t batch, stride_a, stride_b, stride_d;
  std::uint32_t align_a, align_b, align_d;
  bool bias;
  std::uint32_t align_bias;
  Math math;
  bool operator==(const GemmKey&) const = default;
};

// The largest power of two, at most 256, that divides the address (256 for null).
std::uint32_t alignment(const void* p);

template <class T, cublasStatus_t (*destroy)(T)>
struct Destroyer {
  void operator()(T p) const { destroy(p); }
};
using MatmulDesc = std::unique_ptr<std::remove_pointer_t<cublasLtMatmulDesc_t>,
                                   Destroyer<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>>;
using MatrixLayout =
    std::unique_ptr<std::remove_pointer_t<cublasLtMatrixLayout_t>,
                    Destroyer<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>>;

template <class T>
void set_desc_attribute(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute,
                        const T& value) {
  SWAG_CUDA_CHECK(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof value));
}

// Descriptors and the algorithm for one GemmKey.
struct GemmPlan {
  MatmulDesc desc;
  MatrixLayout a, b, d;
  cublasLtMatmulHeuristicResult_t heuristic{};
};

// Builds the plan for g (bias: the epilogue's bias pointer when g.bias, whose alignment the
// heuristic reads); fails naming op_name when cuBLASLt has no algorithm for it.
std::unique_ptr<GemmPlan> make_gemm_plan(const GemmKey& g, const float* bias,
                                         std::string_view op_name);

// Plans by key, each built on first use. An op has a handful of distinct GEMMs (per math mode);
// a linear search finds them quickly.
class GemmPlans {
 public:
  const GemmPlan& get(const GemmKey& key, const float* bias, std::string_view op_name);

 private:
  std::vector<std::pair<GemmKey, std::unique_ptr<GemmPlan>>> plans_;
};

// D = alpha op(A) op(B) (+ the plan's epilogue) with p's algorithm, C = D and beta 0, on the
// context's stream and workspace.
void run_gemm(const GemmPlan& p, float alpha, const float* a, const float* b, float* d);

}  // namespace swag::cuda
