// Row-major SGEMM on oneDNN, the one GEMM of the CPU backend.
#pragma once
#include <oneapi/dnnl/dnnl.h>

#include <cstdint>

#include "swag/core/error.hpp"

namespace swag::cpu {

// C[M, N] = alpha · op(A) · op(B) + beta · C, row-major, op = transpose for 'T'. Called inside
// a parallel region (attention's per-head products), oneDNN runs it on the calling thread.
inline void sgemm(char trans_a, char trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                  float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
                  float beta, float* c, std::int64_t ldc) {
  const dnnl_status_t st =
      dnnl_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  SWAG_CHECK(st == dnnl_success, "dnnl_sgemm({}{}, {}x{}x{}) returned status {}", trans_a, trans_b,
             m, n, k, static_cast<int>(st));
}

}  // namespace swag::cpu
