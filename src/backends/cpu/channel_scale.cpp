// Channel-wise scaling of an NHWC activation by a per-sample [N, C] factor (the excitation step
// of squeeze-and-excitation).
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

namespace swag::cpu {

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y) {
  const std::int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  const float* const xp = x.data<float>();
  const float* const sp = scale.data<float>();
  float* const yp = y.data<float>();
  host_for_2d(
      "swag::channel_scale_forward", n, hw, KOKKOS_LAMBDA(std::int64_t s, std::int64_t p) {
        const std::int64_t o = (s * hw + p) * c;
        for (std::int64_t j = 0; j < c; ++j) yp[o + j] = xp[o + j] * sp[s * c + j];
      });
}

void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale) {
  const std::int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  constexpr std::int64_t kChunk = 64;  // channels summed at once in double, on the stack
  const std::int64_t chunks = (c + kChunk - 1) / kChunk;
  const float* const xp = x.data<float>();
  const float* const sp = scale.data<float>();
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  float* const dsp = dscale.data<float>();
  // dscale first: dx may alias dy.
  host_for_2d(
      "swag::channel_scale_dscale", n, chunks, KOKKOS_LAMBDA(std::int64_t s, std::int64_t k) {
        const std::int64_t c0 = k * kChunk, width = c - c0 < kChunk ? c - c0 : kChunk;
        double acc[kChunk] = {};
        for (std::int64_t p = 0; p < hw; ++p) {
          const std::int64_t o = (s * hw + p) * c + c0;
          for (std::int64_t j = 0; j < width; ++j)
            acc[j] += static_cast<double>(dyp[o + j]) * xp[o + j];
        }
        for (std::int64_t j = 0; j < width; ++j) dsp[s * c + c0 + j] = static_cast<float>(acc[j]);
      });
  host_for_2d(
      "swag::channel_scale_dx", n, hw, KOKKOS_LAMBDA(std::int64_t s, std::int64_t p) {
        const std::int64_t o = (s * hw + p) * c;
        for (std::int64_t j = 0; j < c; ++j) dxp[o + j] = dyp[o + j] * sp[s * c + j];
      });
}

}  // namespace swag::cpu
