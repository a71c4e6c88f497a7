// Class token, position embedding and the class token's output row: row copies and adds, and
// batch sums in a fixed order (sample 0, 1, ...) for the embedding gradients.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

namespace swag::cpu {

void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y) {
  const std::int64_t batch = y.dim(0), tokens = y.dim(1), dim = y.dim(2);
  const float* const xp = patches.data<float>();
  const float* const cp = class_token.data<float>();
  const float* const pp = pos.data<float>();
  float* const yp = y.data<float>();
  host_for(
      "swag::token_embedding_forward", batch * tokens, KOKKOS_LAMBDA(std::int64_t row) {
        const std::int64_t b = row / tokens, i = row % tokens;
        const float* src = i == 0 ? cp : xp + (b * (tokens - 1) + i - 1) * dim;
        const float* pr = pp + i * dim;
        float* yr = yp + row * dim;
        for (std::int64_t j = 0; j < dim; ++j) yr[j] = src[j] + pr[j];
      });
}

void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos) {
  const std::int64_t batch = dy.dim(0), tokens = dy.dim(1), dim = dy.dim(2);
  const float* const dyp = dy.data<float>();
  float* const dxp = dpatches.data<float>();
  float* const dcp = dclass_token.data<float>();
  float* const dpp = dpos.data<float>();
  host_for(
      "swag::token_embedding_backward", tokens, KOKKOS_LAMBDA(std::int64_t i) {
        float* dpr = dpp + i * dim;
        for (std::int64_t j = 0; j < dim; ++j) {
          double s = 0.0;
          for (std::int64_t b = 0; b < batch; ++b) s += dyp[(b * tokens + i) * dim + j];
          dpr[j] = static_cast<float>(s);
        }
        if (i == 0) {
          for (std::int64_t j = 0; j < dim; ++j) dcp[j] = dpr[j];
          return;
        }
        for (std::int64_t b = 0; b < batch; ++b) {
          const float* src = dyp + (b * tokens + i) * dim;
          float* dst = dxp + (b * (tokens - 1) + i - 1) * dim;
          for (std::int64_t j = 0; j < dim; ++j) dst[j] = src[j];
        }
      });
}

void class_token_output_forward(const Tensor& x, Tensor& y) {
  const std::int64_t tokens = x.dim(1), dim = x.dim(2);
  const float* const xp = x.data<float>();
  float* const yp = y.data<float>();
  host_for(
      "swag::class_token_output_forward", x.dim(0), KOKKOS_LAMBDA(std::int64_t b) {
        for (std::int64_t j = 0; j < dim; ++j) yp[b * dim + j] = xp[b * tokens * dim + j];
      });
}

void class_token_output_backward(const Tensor& dy, Tensor& dx) {
  const std::int64_t tokens = dx.dim(1), dim = dx.dim(2);
  const float* const dyp = dy.data<float>();
  float* const dxp = dx.data<float>();
  host_for(
      "swag::class_token_output_backward", dx.dim(0) * tokens, KOKKOS_LAMBDA(std::int64_t row) {
        float* dr = dxp + row * dim;
        const std::int64_t b = row / tokens;
        for (std::int64_t j = 0; j < dim; ++j) dr[j] = row % tokens == 0 ? dyp[b * dim + j] : 0.0f;
      });
}

}  // namespace swag::cpu
