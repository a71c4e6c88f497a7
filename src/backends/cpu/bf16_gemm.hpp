// bf16 math on the CPU (ops/math_mode.hpp): whether the ops multiply in bf16 now, and the GEMM
// they use for it, a oneDNN matmul on bf16 copies of the operands with fp32 accumulation and an
// fp32 result (dnnl_sgemm has no bf16 mode, and oneDNN 2.6 ignores fpmath modes on the CPU).
#pragma once
#include <cstdint>
#include <vector>

#include "gemm.hpp"
#include "swag/core/float16.hpp"

namespace swag::cpu {

// Math mode bf16, on a CPU with bf16 instructions (in a GPU process the mode may be bf16 on a
// CPU without them; its CPU ops multiply in fp32 there).
bool bf16_products();

// As sgemm, with op(A) and op(B) rounded to bf16 (nearest even, core/float16.hpp) before the
// product, which accumulates in fp32. Thread-safe: each thread has its own copies and matmuls
// (cached by shape, alpha and beta), and inside a parallel region runs them on itself alone.
void bf16_gemm(char trans_a, char trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
               float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
               float beta, float* c, std::int64_t ldc);

// The pieces of bf16_gemm, for callers that reuse an operand or add a bias: X (rows x cols,
// row-major with leading dimension ld) rounded into a packed bf16 copy (resized to fit), and
// C[M, N] = alpha · op(A) · op(B) + bias[N] (when given, with alpha = 1) + beta · C on packed
// copies of A (m x k, or k x m for 'T') and B (k x n, or n x k).
void pack_bf16(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld,
               std::vector<bf16>& out);
void bf16_matmul(char trans_a, char trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                 float alpha, const bf16* a, const bf16* b, const float* bias, float beta, float* c,
                 std::int64_t ldc);

// sgemm, or bf16_gemm when `bf16`.
inline void gemm(bool bf16, char trans_a, char trans_b, std::int64_t m, std::int64_t n,
                 std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                 std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (bf16)
    bf16_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace swag::cpu
