// Scaled dot-product attention on the GPU, the CPU backend's algorithm: the row softmax and its
// backward as kernels, then cuBLASLt strided-batched GEMMs on views of the fused qkv tensor.
// The GEMMs' layouts and numerics: doc/gpu.md, "The CUDA backend's GEMM-like ops".
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "attention_kernels.hpp"
#include "row_reduce.cuh"
#include "swag/ops/element_math.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "cublaslt_gemm.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

// The softmax as the CPU backend's (src/backends/cpu/attention.cpp): exponents of
// z - max(z) <= 0 through ops/element_math.hpp, the row sums in double (on the CPU, 16 float
// lanes added in double), the products in float. Logits and dP are fp32 whatever the storage
// type T; probabilities and dS are loaded with load() and rounded once with store_as<T>()
// (core/float16.hpp), so that for float these are the same operations in place as before the
// kernels took T. One warp per row (row_reduce.cuh): the sums' order is fixed, so the results
// are reproducible.
namespace swag::cuda::kernels {
namespace {

template <class T>
__global__ void softmax_rows_kernel(float* logits, T* p, std::int64_t rows, std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  float* row = logits + r * n;
  T* out = p + r * n;
  float m = row[0];
  for (std::int64_t j = lane; j < n; j += kWarp) m = row[j] > m ? row[j] : m;
  m = warp_max(m);
  double s = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) {
    const float e = ops::math::exp_nonpositive(row[j] - m);
    row[j] = e;
    s += e;
  }
  const auto inv = static_cast<float>(1.0 / warp_sum(s));
  for (std::int64_t j = lane; j < n; j += kWarp) out[j] = store_as<T>(row[j] * inv);
}

template <class T>
__global__ void softmax_backward_rows_kernel(const T* p, const float* dp, T* ds, std::int64_t rows,
                                             std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  const T* pr = p + r * n;
  const float* dr = dp + r * n;
  T* out = ds + r * n;
  double s = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) s += load(pr[j]) * dr[j];
  const auto dot = static_cast<float>(warp_sum(s));
  for (std::int64_t j = lane; j < n; j += kWarp) out[j] = store_as<T>(load(pr[j]) * (dr[j] - dot));
}

}  // namespace

template <class T>
void softmax_rows(float* logits, T* p, std::int64_t rows, std::int64_t n) {
  if (n <= 0) return;
  launch_rows(softmax_rows_kernel<T>, rows, logits, p, rows, n);
}

template <class T>
void softmax_backward_rows(const T* p, const float* dp, T* ds, std::int64_t rows, std::int64_t n) {
  if (n <= 0) return;
  launch_rows(softmax_backward_rows_kernel<T>, rows, p, dp, ds, rows, n);
}

template void softmax_rows<float>(float*, float*, std::int64_t, std::int64_t);
template void softmax_rows<bf16>(float*, bf16*, std::int64_t, std::int64_t);
template void softmax_rows<f16>(float*, f16*, std::int64_t, std::int64_t);
template void softmax_backward_rows<float>(const float*, const float*, float*, std::int64_t,
                                           std::int64_t);
template void softmax_backward_rows<bf16>(const bf16*, const float*, bf16*, std::int64_t,
                                          std::int64_t);
template void softmax_backward_rows<f16>(const f16*, const float*, f16*, std::int64_t,
                                         std::int64_t);

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {
namespace {

// A column-major operand of a batched GEMM: pointer to the first matrix, leading dimension and
// the stride between the matrices of the batch, in elements.
template <class T>
struct Operand {
  const T* p;
  std::int64_t ld, stride;
};

// D_i = alpha op(A_i) op(B_i) for i < batch, all column-major; D is m x n, A and B of type T, D
// of type Out. The plan depends on the shape, strides and pointer alignments (head views of qkv
// start anywhere a multiple of the element size), the math mode and the types. The GEMM's
// workspace starts `workspace_offset` bytes into the context's.
template <class T, class Out>
void batched_gemm(cublasOperation_t trans_a, cublasOperation_t trans_b, std::int64_t m,
                  std::int64_t n, std::int64_t k, std::int64_t batch, float alpha,
                  const Operand<T>& a, const Operand<T>& b, Out* d, std::int64_t ldd,
                  std::int64_t stride_d, std::size_t workspace_offset) {
  constexpr cudaDataType_t ab_type = cuda_data_type<T>();
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
                    .align_a = operand_alignment(a.p, a.ld, a.stride, sizeof(T)),
                    .align_b = operand_alignment(b.p, b.ld, b.stride, sizeof(T)),
                    .align_d = operand_alignment(d, ldd, stride_d, sizeof(Out)),
                    .bias = false,
                    .align_bias = 0,
                    .math = gemm_math(ab_type),
                    .ab_type = ab_type,
                    .d_type = cuda_data_type<Out>()};
  // An attention layer has six distinct products per shape (per math mode and types); a linear
  // search finds them quickly. Each instantiation has its own cache.
  static GemmPlans plans;
  run_gemm(plans.get(key, nullptr, "attention"), alpha, a.p, b.p, d, workspace_offset);
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
  template <class T>
  Operand<T> qkv(const T* base, int part, std::int64_t h) const {
    return {base + part * dim + h * hd, ld, qkv_stride()};
  }
  template <class T>
  Operand<T> probs(const T* base, std::int64_t h) const {
    return {base + h * t * t, t, probs_stride()};
  }
  // Head h's columns of a [B, T, D] tensor (context, dcontext).
  template <class T>
  Operand<T> heads_out(const T* base, std::int64_t h) const {
    return {base + h * hd, dim, context_stride()};
  }
};

// Where the fp32 logits (or dP) go: the probabilities' (dprobs') own storage for float, else
// scratch at the start of the context workspace, with the GEMMs' workspace after it. Reserving
// both at once keeps the workspace from moving under the scratch.
template <class T>
struct Fp32Rows {
  float* rows;
  std::size_t gemm_offset;
  Fp32Rows(T* own, std::int64_t count) {
    if constexpr (std::is_same_v<T, float>) {
      rows = own;
      gemm_offset = 0;
    } else {
      gemm_offset = align_up(static_cast<std::size_t>(count) * sizeof(float));
      rows = static_cast<float*>(context().workspace(gemm_offset + kGemmWorkspace));
    }
  }
};

template <class T>
void forward(const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs, Tensor& context) {
  const Views v(d);
  const std::int64_t t = v.t, hd = v.hd, batch = d.batch;
  const T* x = qkv.data<T>();
  T* pp = probs.data<T>();
  T* cp = context.data<T>();
  const Fp32Rows<T> logits(pp, probs.numel());
  for (std::int64_t h = 0; h < v.heads; ++h) {
    const Operand<T> q = v.qkv(x, 0, h), k = v.qkv(x, 1, h);
    batched_gemm(CUBLAS_OP_T, CUBLAS_OP_N, t, t, hd, batch, v.scale, k, q, logits.rows + h * t * t,
                 t, v.probs_stride(), logits.gemm_offset);  // Sᵀ = s Kcᵀ Qc
  }
  kernels::softmax_rows(logits.rows, pp, batch * v.heads * t, t);
  for (std::int64_t h = 0; h < v.heads; ++h)
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_N, hd, t, t, batch, 1.0f, v.qkv(x, 2, h), v.probs<T>(pp, h),
                 cp + h * hd, v.dim, v.context_stride(),
                 logits.gemm_offset);  // Oᵀ = Vc Pc
}

template <class T>
void backward(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
              const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  const Views v(d);
  const std::int64_t t = v.t, hd = v.hd, batch = d.batch, dim = v.dim;
  const T* x = qkv.data<T>();
  const T* pp = probs.data<T>();
  const T* dop = dcontext.data<T>();
  T* ds = dprobs.data<T>();
  T* dx = dqkv.data<T>();
  const Fp32Rows<T> dp(ds, dprobs.numel());
  for (std::int64_t h = 0; h < v.heads; ++h) {
    const Operand<T> dout = v.heads_out(dop, h);
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_T, hd, t, t, batch, 1.0f, dout, v.probs(pp, h),
                 dx + 2 * dim + h * hd, v.ld, v.qkv_stride(), dp.gemm_offset);  // dVᵀ = dOc Pcᵀ
    batched_gemm(CUBLAS_OP_T, CUBLAS_OP_N, t, t, hd, batch, 1.0f, v.qkv(x, 2, h), dout,
                 dp.rows + h * t * t, t, v.probs_stride(), dp.gemm_offset);  // dPᵀ = Vcᵀ dOc
  }
  kernels::softmax_backward_rows(pp, dp.rows, ds, batch * v.heads * t, t);
  for (std::int64_t h = 0; h < v.heads; ++h) {
    const Operand<T> dsh = v.probs<T>(ds, h);
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_N, hd, t, t, batch, v.scale, v.qkv(x, 1, h), dsh,
                 dx + h * hd, v.ld, v.qkv_stride(), dp.gemm_offset);  // dQᵀ = s Kc dSc
    batched_gemm(CUBLAS_OP_N, CUBLAS_OP_T, hd, t, t, batch, v.scale, v.qkv(x, 0, h), dsh,
                 dx + dim + h * hd, v.ld, v.qkv_stride(), dp.gemm_offset);  // dKᵀ = s Qc dScᵀ
  }
}

}  // namespace

void attention_forward(const ops::AttentionDesc& d, const Tensor& qkv, Tensor& probs,
                       Tensor& context) {
  require_on_device("attention", {&qkv, &probs, &context});
  visit_float_type(qkv.dtype(), "attention",
                   [&](auto tag) { forward<decltype(tag)>(d, qkv, probs, context); });
}

void attention_backward(const ops::AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  require_on_device("attention", {&qkv, &probs, &dcontext, &dprobs, &dqkv});
  visit_float_type(qkv.dtype(), "attention", [&](auto tag) {
    backward<decltype(tag)>(d, qkv, probs, dcontext, dprobs, dqkv);
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
