// The cuBLASLt plumbing of linear.cpp and attention.cpp: one GEMM's key, its plan (built once
// per key) and the call; each op keeps its own plan cache. Numerics: doc/gpu.md, "The CUDA
// backend's GEMM-like ops".
#pragma once
#include <cublasLt.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/core/float16.hpp"

namespace swag::cuda {

// cuBLASLt's name of a storage type.
template <class T>
constexpr cudaDataType_t cuda_data_type() {
  if constexpr (std::is_same_v<T, bf16>)
    return CUDA_R_16BF;
  else if constexpr (std::is_same_v<T, f16>)
    return CUDA_R_16F;
  else
    return CUDA_R_32F;
}

// The math mode of a GEMM whose operands have type ab_type: the context's for fp32 operands,
// fp32 (plain CUBLAS_COMPUTE_32F) for 16-bit ones.
inline Math gemm_math(cudaDataType_t ab_type) {
  return ab_type == CUDA_R_32F ? context().math() : Math::fp32;
}

// One GEMM D = alpha op(A) op(B) in cuBLASLt's column-major terms (D is m x n, the inner
// dimension k), its leading dimensions and the alignment of its pointers: the heuristic's choice
// depends on all of them, since misaligned operands rule out vectorized kernels (parameter views,
// row slices and head views of qkv need not start on 16 bytes).
// batched: the layouts carry BATCH_COUNT = batch and STRIDED_BATCH_OFFSET = stride_a, stride_b,
// stride_d (attention); otherwise neither is set (linear: batch 1, strides 0).
// bias: a bias per row of D on the epilogue (of D's type), whose pointer has alignment align_bias.
// ab_type, d_type: the storage types of A and B, and of C = D.
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
  cudaDataType_t ab_type = CUDA_R_32F, d_type = CUDA_R_32F;
  bool operator==(const GemmKey&) const = default;
};

// The largest power of two, at most 256, that divides the address (256 for null).
std::uint32_t alignment(const void* p);
// What an operand guarantees for every column of every matrix it holds: the largest power of
// two, at most 256, that divides its address, its leading dimension in bytes and, when batched,
// its batch stride in bytes. A plan keyed on the first pointer's alignment alone could pick a
// vectorized kernel that the next column or matrix (an odd T x 3D row of qkv) breaks.
std::uint32_t operand_alignment(const void* p, std::int64_t ld, std::int64_t stride,
                                std::size_t element_bytes);

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
std::unique_ptr<GemmPlan> make_gemm_plan(const GemmKey& g, const void* bias,
                                         std::string_view op_name);

// Plans by key, each built on first use. An op has a handful of distinct GEMMs (per math mode);
// a linear search finds them quickly.
class GemmPlans {
 public:
  const GemmPlan& get(const GemmKey& key, const void* bias, std::string_view op_name);

 private:
  std::vector<std::pair<GemmKey, std::unique_ptr<GemmPlan>>> plans_;
};

// The most workspace a GEMM may use (what NVIDIA recommends for Hopper).
constexpr std::size_t kGemmWorkspace = std::size_t{32} << 20;

// D = alpha op(A) op(B) (+ the plan's epilogue) with p's algorithm, C = D and beta 0, on the
// context's stream; its workspace starts workspace_offset bytes into the context's workspace (a
// caller that keeps scratch below that offset reserves offset + kGemmWorkspace bytes first, so
// that the workspace does not move).
void run_gemm(const GemmPlan& p, float alpha, const void* a, const void* b, void* d,
              std::size_t workspace_offset = 0);

}  // namespace swag::cuda
