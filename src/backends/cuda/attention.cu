// The row softmax of attention and its backward, as the CPU backend
// (src/backends/cpu/attention.cpp): exponents of z - max(z) <= 0 through ops/element_math.hpp,
// the row sums in double (on the CPU, 16 float lanes added in double), the products in float.
// Logits and dP are fp32 whatever the storage type T; probabilities and dS are loaded with load()
// and rounded once with store_as<T>() (core/float16.hpp), so that for float these are the same
// operations in place as before the kernels took T.
// One warp per row (row_reduce.cuh): the sums' order is fixed, so the results are reproducible.
#include "attention_kernels.hpp"
#include "row_reduce.cuh"
#include "swag/ops/element_math.hpp"

namespace swag::cuda::kernels {
namespace {

template <class T>
__global__ void softmax_rows_kernel(float* logits, T* p, std::int64_t rows, std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  float* row = logits + r * n;
  T* out = p + r * n;
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
  for (std::int64_t j = lane; j < n; j += kWarp) out[j] = store_as<T>(row[j] * inv);
}

template <class T>
__global__ void softmax_backward_rows_kernel(const T* p, const float* dp, T* ds, std::int64_t rows,
                                             std::int64_t n) {
  const std::int64_t r = warp_row();
  if (r >= rows) return;
  const int lane = warp_lane();
  const T* pr = p + r * n;
  const float* dr = dp + r * n;
  T* out = ds + r * n;
  double s = 0.0;
  for (std::int64_t j = lane; j < n; j += kWarp) s += load(pr[j]) * dr[j];
  const auto dot = static_cast<float>(warp_sum(s));
  for (std::int64_t j = lane; j < n; j += kWarp) out[j] = store_as<T>(load(pr[j]) * (dr[j] - dot));
}

}  // namespace

template <class T>
void softmax_rows(float* logits, T* p, std::int64_t rows, std::int64_t n) {
  if (n <= 0) return;
  launch_rows(softmax_rows_kernel<T>, rows, logits, p, rows, n);
}

template <class T>
void softmax_backward_rows(const T* p, const float* dp, T* ds, std::int64_t rows, std::int64_t n) {
  if (n <= 0) return;
  launch_rows(softmax_backward_rows_kernel<T>, rows, p, dp, ds, rows, n);
}

template void softmax_rows<float>(float*, float*, std::int64_t, std::int64_t);
template void softmax_rows<bf16>(float*, bf16*, std::int64_t, std::int64_t);
template void softmax_rows<f16>(float*, f16*, std::int64_t, std::int64_t);
template void softmax_backward_rows<float>(const float*, const float*, float*, std::int64_t,
                                           std::int64_t);
template void softmax_backward_rows<bf16>(const bf16*, const float*, bf16*, std::int64_t,
                                          std::int64_t);
template void softmax_backward_rows<f16>(const f16*, const float*, f16*, std::int64_t,
                                         std::int64_t);

}  // namespace swag::cuda::kernels
