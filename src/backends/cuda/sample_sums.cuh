// Per-sample, per-channel sums over the H*W positions of an NHWC [n, hw, c] activation, in
// double, deterministically: a block (one sample, 32 channels) of 32 x 8 threads, each thread
// summing every 8th position in order, then a fixed tree over the 8 (launch.cuh). Used by global
// average pooling and by the channel-scale gradient.
#pragma once
#include "launch.cuh"

namespace swag::cuda::kernels {

// out[s * c + j] = finish(sum over p < hw of term(s, p, j), s * c + j).
template <class Term, class Finish>
__global__ void sample_sums_kernel(std::int64_t hw, std::int64_t c, Term term, Finish finish) {
  __shared__ double shared[kTileY * kTileX];
  const std::int64_t j = static_cast<std::int64_t>(blockIdx.y) * kTileX + threadIdx.x;
  const std::int64_t s = blockIdx.x;
  double acc = 0.0;
  if (j < c)
    for (std::int64_t p = threadIdx.y; p < hw; p += kTileY) acc += term(s, p, j);
  acc = tile_column_sum(acc, shared);
  if (threadIdx.y == 0 && j < c) finish(acc, s * c + j);
}

template <class Term, class Finish>
void sample_sums(std::int64_t n, std::int64_t hw, std::int64_t c, const Term& term,
                 const Finish& finish) {
  if (n <= 0 || c <= 0) return;
  // Samples on grid x (up to 2^31 - 1), channel tiles on grid y (up to 65535, 2M channels).
  const dim3 grid(static_cast<unsigned>(n), static_cast<unsigned>((c + kTileX - 1) / kTileX));
  launch(sample_sums_kernel<Term, Finish>, grid, dim3(kTileX, kTileY), hw, c, term, finish);
}

}  // namespace swag::cuda::kernels
