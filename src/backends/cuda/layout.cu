// NCHW -> NHWC, one thread per output element (consecutive threads write consecutive floats and
// read from the C channel planes in turn).
#include "launch.cuh"
#include "token_kernels.hpp"

namespace swag::cuda::kernels {
namespace {

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

void nchw_to_nhwc(const float* x, float* y, std::int64_t n, std::int64_t c, std::int64_t hw) {
  if (c <= 0 || hw <= 0) return;
  for_each(n * c * hw, NchwToNhwc{x, y, c, hw});
}

}  // namespace swag::cuda::kernels
