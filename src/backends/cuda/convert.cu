// ops::convert on the GPU: one load and one rounding per element, by the functions the CPU
// backend uses (core/float16.hpp), so both store the same bits; and NCHW to NHWC.
#include "kernels.hpp"
#include "launch.cuh"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

template <class S, class D>
struct Convert {
  const S* src;
  D* dst;
  __device__ void operator()(std::int64_t i) const { dst[i] = store_as<D>(load(src[i])); }
};

// One thread per output element (consecutive threads write consecutive floats and read from the
// C channel planes in turn).
struct NchwToNhwc {
  const float* x;
  float* y;
  std::int64_t c, hw;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t k = i % c, p = i / c % hw, s = i / (c * hw);
    y[i] = x[(s * c + k) * hw + p];
  }
};

}  // namespace

template <class S, class D>
void convert(const S* src, D* dst, std::int64_t n) {
  for_each(n, Convert<S, D>{src, dst});
}

#define SWAG_INSTANTIATE_CONVERT(S)                                \
  template void convert<S, float>(const S*, float*, std::int64_t); \
  template void convert<S, bf16>(const S*, bf16*, std::int64_t);   \
  template void convert<S, f16>(const S*, f16*, std::int64_t);
SWAG_INSTANTIATE_CONVERT(float)
SWAG_INSTANTIATE_CONVERT(bf16)
SWAG_INSTANTIATE_CONVERT(f16)

void nchw_to_nhwc(const float* x, float* y, std::int64_t n, std::int64_t c, std::int64_t hw) {
  if (c <= 0 || hw <= 0) return;
  for_each(n * c * hw, NchwToNhwc{x, y, c, hw});
}

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void convert(const Tensor& src, Tensor& dst) {
  require_on_device("convert", {&src, &dst});
  visit_float_type(src.dtype(), "convert: src", [&](auto src_tag) {
    using S = decltype(src_tag);
    visit_float_type(dst.dtype(), "convert: dst", [&](auto dst_tag) {
      using D = decltype(dst_tag);
      kernels::convert(src.data<S>(), dst.data<D>(), src.numel());
    });
  });
}

void nchw_to_nhwc(const Tensor& x, Tensor& y) {
  require_on_device("nchw_to_nhwc", {&x, &y});
  kernels::nchw_to_nhwc(x.data<float>(), y.data<float>(), x.dim(0), x.dim(1), x.dim(2) * x.dim(3));
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
