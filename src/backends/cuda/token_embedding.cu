// Class token, position embedding and the class token's output row, as the CPU backend
// (src/backends/cpu/token_embedding.cpp): one thread per output element; the batch sums of the
// embedding gradients in double, in sample order, rounded once, so the results are the CPU's
// bit for bit (and reproducible: no atomics).
#include "launch.cuh"
#include "token_kernels.hpp"

namespace swag::cuda::kernels {
namespace {

// y[b, t] = (t == 0 ? class_token : patches[b, t - 1]) + pos[t].
struct EmbedForward {
  const float *patches, *class_token, *pos;
  float* y;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t j = i % dim, row = i / dim;
    const std::int64_t b = row / tokens, t = row % tokens;
    const float src = t == 0 ? class_token[j] : patches[(b * (tokens - 1) + t - 1) * dim + j];
    y[i] = src + pos[t * dim + j];
  }
};

// dpos[t, j] = sum over b of dy[b, t, j]; dclass_token = dpos[0].
struct EmbedBatchSums {
  const float* dy;
  float *dpos, *dclass_token;
  std::int64_t batch, tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    double s = 0.0;
    for (std::int64_t b = 0; b < batch; ++b) s += dy[b * tokens * dim + i];
    dpos[i] = static_cast<float>(s);
    if (i < dim) dclass_token[i] = static_cast<float>(s);
  }
};

// dpatches[b, t - 1] = dy[b, t] for t >= 1.
struct EmbedPatchGradient {
  const float* dy;
  float* dpatches;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t per_sample = (tokens - 1) * dim;
    const std::int64_t b = i / per_sample, rest = i % per_sample;
    dpatches[i] = dy[b * tokens * dim + dim + rest];
  }
};

struct ClassRow {
  const float* x;
  float* y;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const { y[i] = x[i / dim * tokens * dim + i % dim]; }
};

struct ClassRowBackward {
  const float* dy;
  float* dx;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t row = i / dim;
    dx[i] = row % tokens == 0 ? dy[row / tokens * dim + i % dim] : 0.0f;
  }
};

}  // namespace

void token_embedding_forward(const float* patches, const float* class_token, const float* pos,
                             float* y, std::int64_t batch, std::int64_t tokens, std::int64_t dim) {
  for_each(batch * tokens * dim, EmbedForward{patches, class_token, pos, y, tokens, dim});
}

void token_embedding_backward(const float* dy, float* dpatches, float* dclass_token, float* dpos,
                              std::int64_t batch, std::int64_t tokens, std::int64_t dim) {
  for_each(tokens * dim, EmbedBatchSums{dy, dpos, dclass_token, batch, tokens, dim});
  for_each(batch * (tokens - 1) * dim, EmbedPatchGradient{dy, dpatches, tokens, dim});
}

void class_token_output_forward(const float* x, float* y, std::int64_t batch, std::int64_t tokens,
                                std::int64_t dim) {
  for_each(batch * dim, ClassRow{x, y, tokens, dim});
}

void class_token_output_backward(const float* dy, float* dx, std::int64_t batch,
                                 std::int64_t tokens, std::int64_t dim) {
  for_each(batch * tokens * dim, ClassRowBackward{dy, dx, tokens, dim});
}

}  // namespace swag::cuda::kernels
