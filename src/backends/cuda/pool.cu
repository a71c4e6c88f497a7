// Global average pooling over the H*W rows of each NHWC sample, as the CPU backend
// (src/backends/cpu/pool.cpp): sums in double times 1 / (H*W) in double, rounded once.
#include "kernels.hpp"
#include "sample_sums.cuh"

namespace swag::cuda::kernels {
namespace {

struct PoolTerm {
  const float* x;
  std::int64_t hw, c;
  __device__ double operator()(std::int64_t s, std::int64_t p, std::int64_t j) const {
    return x[(s * hw + p) * c + j];
  }
};
struct PoolFinish {
  float* y;
  double inv;
  __device__ void operator()(double sum, std::int64_t o) const {
    y[o] = static_cast<float>(sum * inv);
  }
};

// dx[s, p, j] (+)= dy[s, j] * (1 / hw) in float; overwrite mode never reads dx.
struct PoolBackward {
  const float* dy;
  float* dx;
  std::int64_t hw, c;
  float inv;
  bool accumulate;
  __device__ void operator()(std::int64_t i) const {
    const float g = dy[i / (hw * c) * c + i % c] * inv;
    dx[i] = accumulate ? dx[i] + g : g;
  }
};

}  // namespace

void global_avg_pool_forward(const float* x, float* y, std::int64_t n, std::int64_t hw,
                             std::int64_t c) {
  sample_sums(n, hw, c, PoolTerm{x, hw, c}, PoolFinish{y, 1.0 / static_cast<double>(hw)});
}

void global_avg_pool_backward(const float* dy, float* dx, std::int64_t n, std::int64_t hw,
                              std::int64_t c, bool accumulate) {
  for_each(n * hw * c, PoolBackward{dy, dx, hw, c, 1.0f / static_cast<float>(hw), accumulate});
}

}  // namespace swag::cuda::kernels
