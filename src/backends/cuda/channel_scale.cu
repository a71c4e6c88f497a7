// Channel-wise scaling of an NHWC activation by a per-sample [N, C] factor (the excitation step
// of squeeze-and-excitation), as the CPU backend (src/backends/cpu/channel_scale.cpp).
#include "kernels.hpp"
#include "sample_sums.cuh"

namespace swag::cuda::kernels {
namespace {

// y[s, p, j] = x[s, p, j] * scale[s, j].
struct Scale {
  const float *x, *scale;
  float* y;
  std::int64_t hw, c;
  __device__ void operator()(std::int64_t i) const {
    y[i] = x[i] * scale[i / (hw * c) * c + i % c];
  }
};

// dscale[s, j] = sum over p of dy * x, products and sum in double.
struct ScaleGradTerm {
  const float *x, *dy;
  std::int64_t hw, c;
  __device__ double operator()(std::int64_t s, std::int64_t p, std::int64_t j) const {
    const std::int64_t o = (s * hw + p) * c + j;
    return static_cast<double>(dy[o]) * x[o];
  }
};
struct StoreFloat {
  float* out;
  __device__ void operator()(double sum, std::int64_t o) const { out[o] = static_cast<float>(sum); }
};

}  // namespace

void channel_scale_forward(const float* x, const float* scale, float* y, std::int64_t n,
                           std::int64_t hw, std::int64_t c) {
  for_each(n * hw * c, Scale{x, scale, y, hw, c});
}

void channel_scale_backward(const float* x, const float* scale, const float* dy, float* dx,
                            float* dscale, std::int64_t n, std::int64_t hw, std::int64_t c) {
  // dscale first: dx may alias dy.
  sample_sums(n, hw, c, ScaleGradTerm{x, dy, hw, c}, StoreFloat{dscale});
  for_each(n * hw * c, Scale{dy, scale, dx, hw, c});
}

}  // namespace swag::cuda::kernels
