// The row softmax of attention and its backward, as the CPU backend
// (src/backends/cpu/attention.cpp): exponents of z - max(z) <= 0 through ops/element_math.hpp,
// the row sums in double (on the CPU, 16 float lanes added in double), the products in float.
// One warp per row (row_reduce.cuh): the sums' order is fixed, so the results are reproducible.
#include "row_reduce.cuh"
#include "swag/ops/element_math.hpp"
#include "attention_kernels.hpp"

namespace swag::cuda::kernels {
namespace {

__global__ void softmax_rows_kernel(float* p, std::int64_t rows, std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  float* row = p + r * n;
  float m = row[0];
  for (std::int64_t j = lane; j < n; j += kWarp) m = row[j] > m ? row[j] : m;
  m = warp_max(m);
  double s = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) {
    const float e = ops::math::exp_nonpositive(row[j] - m);
    row[j] = e;
    s += e;
  }
  const auto inv = static_cast<float>(1.0 / warp_sum(s));
  for (std::int64_t j = lane; j < n; j += kWarp) row[j] *= inv;
}

__global__ void softmax_backward_rows_kernel(const float* p, float* ds, std::int64_t rows,
                                             std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  const float* pr = p + r * n;
  float* dr = ds + r * n;
  double s = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) s += pr[j] * dr[j];
  const auto dot = static_cast<float>(warp_sum(s));
  for (std::int64_t j = lane; j < n; j += kWarp) dr[j] = pr[j] * (dr[j] - dot);
}

}  // namespace

void softmax_rows(float* p, std::int64_t rows, std::int64_t n) {
  if (n <= 0) return;
  launch_rows(softmax_rows_kernel, rows, p, rows, n);
}

void softmax_backward_rows(const float* p, float* ds, std::int64_t rows, std::int64_t n) {
  if (n <= 0) return;
  launch_rows(softmax_backward_rows_kernel, rows, p, ds, rows, n);
}

}  // namespace swag::cuda::kernels
