// Global average pooling over the H*W rows of each NHWC sample, on any storage type T (float,
// bf16, f16): loads to float, the fp32 arithmetic, each output rounded once to T.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cpu {

void global_avg_pool_forward(const Tensor& x, Tensor& y) {
  const std::int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  constexpr std::int64_t kChunk = 64;  // channels summed at once in double, on the stack
  const std::int64_t chunks = (c + kChunk - 1) / kChunk;
  const double inv = 1.0 / static_cast<double>(hw);
  visit_float_type(x.dtype(), "global_avg_pool_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    host_for_2d(
        "swag::global_avg_pool_forward", n, chunks, KOKKOS_LAMBDA(std::int64_t s, std::int64_t k) {
          const std::int64_t c0 = k * kChunk, width = c - c0 < kChunk ? c - c0 : kChunk;
          double acc[kChunk] = {};
          for (std::int64_t p = 0; p < hw; ++p) {
            const T* row = xp + (s * hw + p) * c + c0;
            for (std::int64_t j = 0; j < width; ++j) acc[j] += load(row[j]);
          }
          for (std::int64_t j = 0; j < width; ++j)
            yp[s * c + c0 + j] = store_as<T>(static_cast<float>(acc[j] * inv));
        });
  });
}

void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate) {
  const std::int64_t n = dx.dim(0), hw = dx.dim(1) * dx.dim(2), c = dx.dim(3);
  const float inv = 1.0f / static_cast<float>(hw);
  visit_float_type(dx.dtype(), "global_avg_pool_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    host_for_2d(
        "swag::global_avg_pool_backward", n, hw, KOKKOS_LAMBDA(std::int64_t s, std::int64_t p) {
          T* row = dxp + (s * hw + p) * c;
          const T* g = dyp + s * c;
          // Overwrite mode must not read dx: it may hold garbage, even NaN.
          if (accumulate)
            for (std::int64_t j = 0; j < c; ++j)
              row[j] = store_as<T>(load(row[j]) + load(g[j]) * inv);
          else
            for (std::int64_t j = 0; j < c; ++j) row[j] = store_as<T>(load(g[j]) * inv);
        });
  });
}

}  // namespace swag::cpu
