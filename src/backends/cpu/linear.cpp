// Fully connected layer on oneDNN's row-major SGEMM; bias broadcast and bias gradient as Kokkos
// kernels (the latter a deterministic column sum). bf16 and f16 activations run the same fp32
// code on widened copies, their outputs rounded once (gemm_staging.hpp); dw and db are fp32.
// In bf16 math the three products are bf16_gemm's (bf16_gemm.hpp).
#include <vector>

#include "bf16_gemm.hpp"
#include "gemm_staging.hpp"
#include "host_parallel.hpp"
#include "row_sums.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

namespace swag::cpu {
namespace {

void forward_f32(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                 Tensor& y) {
  const std::int64_t n = d.out_features;
  float* const yp = y.data<float>();
  if (b) {
    // Start y from the bias and let the GEMM accumulate onto it (beta = 1).
    const float* const bp = b->data<float>();
    host_for(
        "swag::linear_bias", d.rows, KOKKOS_LAMBDA(std::int64_t r) {
          for (std::int64_t j = 0; j < n; ++j) yp[r * n + j] = bp[j];
        });
  }
  gemm(bf16_products(), 'N', 'T', d.rows, n, d.in_features, 1.0f, x.data<float>(), d.in_features,
       w.data<float>(), d.in_features, b ? 1.0f : 0.0f, yp, n);
}

void backward_f32(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                  Tensor* dx, Tensor& dw, Tensor* db) {
  const std::int64_t m = d.rows, k = d.in_features, n = d.out_features;
  const float* const dyp = dy.data<float>();
  const bool bf16 = bf16_products();
  if (dx)  // dx[M, K] = dy[M, N] · w[N, K]
    gemm(bf16, 'N', 'N', m, k, n, 1.0f, dyp, n, w.data<float>(), k, 0.0f, dx->data<float>(), k);
  // dw[N, K] = dy[M, N]ᵀ · x[M, K]
  gemm(bf16, 'T', 'N', n, k, m, 1.0f, dyp, n, x.data<float>(), k, 0.0f, dw.data<float>(), k);
  if (db) {
    thread_local std::vector<double> sums;
    sums.resize(n);
    row_sums(
        m, n,
        KOKKOS_LAMBDA(std::int64_t r, double* acc) {
          for (std::int64_t j = 0; j < n; ++j) acc[j] += dyp[r * n + j];
        },
        sums.data());
    const double* const sp = sums.data();
    float* const dbp = db->data<float>();
    host_for(
        "swag::linear_db", n,
        KOKKOS_LAMBDA(std::int64_t j) { dbp[j] = static_cast<float>(sp[j]); });
  }
}

}  // namespace

void linear_forward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  Fp32Staging s("linear");
  forward_f32(d, s.in(x), s.in(w), s.in(b), s.out(y));
  s.store();
}

void linear_backward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  Fp32Staging s("linear");
  backward_f32(d, s.in(x), s.in(w), s.in(dy), s.out(dx), dw, db);
  s.store();
}

}  // namespace swag::cpu
