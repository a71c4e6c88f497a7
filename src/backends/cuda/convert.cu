// ops::convert on the GPU: one load and one rounding per element, by the functions the CPU
// backend uses (core/float16.hpp), so both store the same bits.
#include "kernels.hpp"
#include "launch.cuh"

namespace swag::cuda::kernels {
namespace {

template <class S, class D>
struct Convert {
  const S* src;
  D* dst;
  __device__ void operator()(std::int64_t i) const { dst[i] = store_as<D>(load(src[i])); }
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

}  // namespace swag::cuda::kernels
