// Global average pooling over the H*W rows of each NHWC sample.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

namespace swag::cpu {

void global_avg_pool_forward(const Tensor& x, Tensor& y) {
  const std::int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  constexpr std::int64_t kChunk = 64;  // channels summed at once in double, on the stack
  const std::int64_t chunks = (c + kChunk - 1) / kChunk;
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  const double inv = 1.0 / static_cast<double>(hw);
  host_for_2d(
      "swag::global_avg_pool_forward", n, chunks, KOKKOS_LAMBDA(std::int64_t s, std::int64_t k) {
        const std::int64_t c0 = k * kChunk, width = c - c0 < kChunk ? c - c0 : kChunk;
        double acc[kChunk] = {};
        for (std::int64_t p = 0; p < hw; ++p) {
          const float* row = xp + (s * hw + p) * c + c0;
          for (std::int64_t j = 0; j < width; ++j) acc[j] += row[j];
        }
        for (std::int64_t j = 0; j < width; ++j)
          yp[s * c + c0 + j] = static_cast<float>(acc[j] * inv);
      });
}

void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate) {
  const std::int64_t n = dx.dim(0), hw = dx.dim(1) * dx.dim(2), c = dx.dim(3);
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  const float inv = 1.0f / static_cast<float>(hw);
  host_for_2d(
      "swag::global_avg_pool_backward", n, hw, KOKKOS_LAMBDA(std::int64_t s, std::int64_t p) {
        float* row = dxp + (s * hw + p) * c;
        const float* g = dyp + s * c;
        // Overwrite mode must not read dx: it may hold garbage, even NaN.
        if (accumulate)
          for (std::int64_t j = 0; j < c; ++j) row[j] += g[j] * inv;
        else
          for (std::int64_t j = 0; j < c; ++j) row[j] = g[j] * inv;
      });
}

}  // namespace swag::cpu
