// bf16 math on the CPU (ops/math_mode.hpp): whether the ops multiply in bf16 now, and the GEMM
// they use for it, a oneDNN matmul on bf16 copies of the operands with fp32 accumulation and an
// fp32 result (dnnl_sgemm has no bf16 mode, and oneDNN 2.6 ignores fpmath modes on the CPU).
#pragma once
#include <cstdint>

#include "gemm.hpp"

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
