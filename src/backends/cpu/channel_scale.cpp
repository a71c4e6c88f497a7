// Channel-wise scaling of an NHWC activation by a per-sample [N, C] factor (the excitation step
// of squeeze-and-excitation), on any storage type T (float, bf16, f16): loads to float, the
// fp32 arithmetic, each output rounded once to T.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cpu {

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y) {
  const std::int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  visit_float_type(x.dtype(), "channel_scale_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    const T* const sp = scale.data<T>();
    T* const yp = y.data<T>();
    host_for_2d(
        "swag::channel_scale_forward", n, hw, KOKKOS_LAMBDA(std::int64_t s, std::int64_t p) {
          const std::int64_t o = (s * hw + p) * c;
          for (std::int64_t j = 0; j < c; ++j)
            yp[o + j] = store_as<T>(load(xp[o + j]) * load(sp[s * c + j]));
        });
  });
}

void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale) {
  const std::int64_t n = x.dim(0), hw = x.dim(1) * x.dim(2), c = x.dim(3);
  constexpr std::int64_t kChunk = 64;  // channels summed at once in double, on the stack
  const std::int64_t chunks = (c + kChunk - 1) / kChunk;
  visit_float_type(x.dtype(), "channel_scale_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    const T* const sp = scale.data<T>();
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    T* const dsp = dscale.data<T>();
    // dscale first: dx may alias dy.
    host_for_2d(
        "swag::channel_scale_dscale", n, chunks, KOKKOS_LAMBDA(std::int64_t s, std::int64_t k) {
          const std::int64_t c0 = k * kChunk, width = c - c0 < kChunk ? c - c0 : kChunk;
          double acc[kChunk] = {};
          for (std::int64_t p = 0; p < hw; ++p) {
            const std::int64_t o = (s * hw + p) * c + c0;
            for (std::int64_t j = 0; j < width; ++j)
              acc[j] += static_cast<double>(load(dyp[o + j])) * load(xp[o + j]);
          }
          for (std::int64_t j = 0; j < width; ++j)
            dsp[s * c + c0 + j] = store_as<T>(static_cast<float>(acc[j]));
        });
    host_for_2d(
        "swag::channel_scale_dx", n, hw, KOKKOS_LAMBDA(std::int64_t s, std::int64_t p) {
          const std::int64_t o = (s * hw + p) * c;
          for (std::int64_t j = 0; j < c; ++j)
            dxp[o + j] = store_as<T>(load(dyp[o + j]) * load(sp[s * c + j]));
        });
  });
}

}  // namespace swag::cpu
