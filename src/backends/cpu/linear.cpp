// Fully connected layer on oneDNN's row-major SGEMM; bias broadcast and bias gradient as Kokkos
// kernels (the latter a deterministic column sum). bf16 and f16 activations run the same fp32
// code on widened copies, their outputs rounded once (gemm_staging.hpp); dw and db are fp32.
// In bf16 math the three products are bf16 matmuls (bf16_gemm.hpp) on bf16 copies of x, w and dy
// (dy rounded once for both of its products), the bias added in the forward's epilogue.
#include <vector>

#include "bf16_gemm.hpp"
#include "gemm_staging.hpp"
#include "host_parallel.hpp"
#include "row_sums.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

namespace swag::cpu {
namespace {

// The bf16 copies of x, w and dy this thread's products read in bf16 math.
struct Bf16Copies {
  std::vector<bf16> x, w, dy;
};

Bf16Copies& bf16_copies() {
  thread_local Bf16Copies c;
  return c;
}

void forward_f32(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                 Tensor& y) {
  const std::int64_t m = d.rows, k = d.in_features, n = d.out_features;
  float* const yp = y.data<float>();
  if (bf16_products()) {  // the bias in the matmul's epilogue
    Bf16Copies& c = bf16_copies();
    pack_bf16(x.data<float>(), m, k, k, c.x);
    pack_bf16(w.data<float>(), n, k, k, c.w);
    bf16_matmul('N', 'T', m, n, k, 1.0f, c.x.data(), c.w.data(), b ? b->data<float>() : nullptr,
                0.0f, yp, n);
    return;
  }
  if (b) {
    // Start y from the bias and let the GEMM accumulate onto it (beta = 1).
    const float* const bp = b->data<float>();
    host_for(
        "swag::linear_bias", m, KOKKOS_LAMBDA(std::int64_t r) {
          for (std::int64_t j = 0; j < n; ++j) yp[r * n + j] = bp[j];
        });
  }
  sgemm('N', 'T', m, n, k, 1.0f, x.data<float>(), k, w.data<float>(), k, b ? 1.0f : 0.0f, yp, n);
}

void backward_f32(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                  Tensor* dx, Tensor& dw, Tensor* db) {
  const std::int64_t m = d.rows, k = d.in_features, n = d.out_features;
  const float* const dyp = dy.data<float>();
  if (bf16_products()) {  // dy rounded once for both products
    Bf16Copies& c = bf16_copies();
    pack_bf16(dyp, m, n, n, c.dy);
    if (dx) {
      pack_bf16(w.data<float>(), n, k, k, c.w);
      bf16_matmul('N', 'N', m, k, n, 1.0f, c.dy.data(), c.w.data(), nullptr, 0.0f,
                  dx->data<float>(), k);
    }
    pack_bf16(x.data<float>(), m, k, k, c.x);
    bf16_matmul('T', 'N', n, k, m, 1.0f, c.dy.data(), c.x.data(), nullptr, 0.0f, dw.data<float>(),
                k);
  } else {
    if (dx)  // dx[M, K] = dy[M, N] · w[N, K]
      sgemm('N', 'N', m, k, n, 1.0f, dyp, n, w.data<float>(), k, 0.0f, dx->data<float>(), k);
    // dw[N, K] = dy[M, N]ᵀ · x[M, K]
    sgemm('T', 'N', n, k, m, 1.0f, dyp, n, x.data<float>(), k, 0.0f, dw.data<float>(), k);
  }
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
