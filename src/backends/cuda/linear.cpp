// Fully connected layer through cuBLASLt: three GEMMs on the row-major tensors read as
// column-major transposes, the bias in the forward epilogue, plans cached per shape.
// Layouts and numerics: doc/gpu.md, "The CUDA backend's GEMM-like ops".
#include <cstdint>

#include "cublaslt_gemm.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {
namespace {

// D = op(A) op(B) (+ bias per row of D, of D's type), all column-major, packed (each leading
// dimension the matrix's rows); A and B of type T, D of type Out. The plan depends on the shape,
// the alignment of the pointers (parameter views and row slices need not start on 16 bytes), the
// math mode and the types.
template <class T, class Out>
void gemm(cublasOperation_t trans_a, cublasOperation_t trans_b, std::int64_t m, std::int64_t n,
          std::int64_t k, const T* a, const T* b, Out* d, const Out* bias = nullptr) {
  constexpr cudaDataType_t ab_type = cuda_data_type<T>();
  const std::int64_t lda = trans_a == CUBLAS_OP_T ? k : m, ldb = trans_b == CUBLAS_OP_T ? n : k;
  const GemmKey key{.trans_a = trans_a,
                    .trans_b = trans_b,
                    .m = m,
                    .n = n,
                    .k = k,
                    .lda = lda,
                    .ldb = ldb,
                    .ldd = m,
                    .batched = false,
                    .batch = 1,
                    .stride_a = 0,
                    .stride_b = 0,
                    .stride_d = 0,
                    .align_a = operand_alignment(a, lda, 0, sizeof(T)),
                    .align_b = operand_alignment(b, ldb, 0, sizeof(T)),
                    .align_d = operand_alignment(d, m, 0, sizeof(Out)),
                    .bias = bias != nullptr,
                    .align_bias = alignment(bias),
                    .math = gemm_math(ab_type),
                    .ab_type = ab_type,
                    .d_type = cuda_data_type<Out>()};
  // A model has a handful of distinct GEMMs (per math mode and types); a linear search finds
  // them quickly. Each instantiation has its own cache.
  static GemmPlans plans;
  const GemmPlan& p = plans.get(key, bias, "linear");
  if (bias)
    set_desc_attribute(p.desc.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                       static_cast<const void*>(bias));
  run_gemm(p, 1.0f, a, b, d);
}

}  // namespace

void linear_forward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  require_on_device("linear", {&x, &w, b, &y});
  visit_float_type(x.dtype(), "linear", [&](auto tag) {
    using T = decltype(tag);
    gemm(CUBLAS_OP_T, CUBLAS_OP_N, d.out_features, d.rows, d.in_features, w.data<T>(), x.data<T>(),
         y.data<T>(), b ? b->data<T>() : nullptr);
  });
}

void linear_backward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  require_on_device("linear", {&x, &w, &dy, dx, &dw, db});
  visit_float_type(x.dtype(), "linear", [&](auto tag) {
    using T = decltype(tag);
    if (dx)
      gemm(CUBLAS_OP_N, CUBLAS_OP_N, d.in_features, d.rows, d.out_features, w.data<T>(),
           dy.data<T>(), dx->data<T>());
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, d.in_features, d.out_features, d.rows, x.data<T>(), dy.data<T>(),
         dw.data<float>());
  });
  if (db) bias_gradient(dy, db->data<float>(), d.rows, d.out_features);
}

}  // namespace swag::cuda
