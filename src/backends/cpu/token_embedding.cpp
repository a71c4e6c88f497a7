// Class token, position embedding and the class token's output row: row copies and adds, and
// batch sums in a fixed order (sample 0, 1, ...) for the embedding gradients. Token tensors,
// the class token and the position embedding have the activations' storage type T (float,
// bf16, f16), loaded to float and rounded once; the embedding gradients are fp32.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cpu {

void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y) {
  const std::int64_t batch = y.dim(0), tokens = y.dim(1), dim = y.dim(2);
  visit_float_type(y.dtype(), "token_embedding_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = patches.data<T>();
    const T* const cp = class_token.data<T>();
    const T* const pp = pos.data<T>();
    T* const yp = y.data<T>();
    host_for(
        "swag::token_embedding_forward", batch * tokens, KOKKOS_LAMBDA(std::int64_t row) {
          const std::int64_t b = row / tokens, i = row % tokens;
          const T* src = i == 0 ? cp : xp + (b * (tokens - 1) + i - 1) * dim;
          const T* pr = pp + i * dim;
          T* yr = yp + row * dim;
          for (std::int64_t j = 0; j < dim; ++j) yr[j] = store_as<T>(load(src[j]) + load(pr[j]));
        });
  });
}

void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos) {
  const std::int64_t batch = dy.dim(0), tokens = dy.dim(1), dim = dy.dim(2);
  float* const dcp = dclass_token.data<float>();
  float* const dpp = dpos.data<float>();
  visit_float_type(dy.dtype(), "token_embedding_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const dyp = dy.data<T>();
    T* const dxp = dpatches.data<T>();
    host_for(
        "swag::token_embedding_backward", tokens, KOKKOS_LAMBDA(std::int64_t i) {
          float* dpr = dpp + i * dim;
          for (std::int64_t j = 0; j < dim; ++j) {
            double s = 0.0;
            for (std::int64_t b = 0; b < batch; ++b) s += load(dyp[(b * tokens + i) * dim + j]);
            dpr[j] = static_cast<float>(s);
          }
          if (i == 0) {
            for (std::int64_t j = 0; j < dim; ++j) dcp[j] = dpr[j];
            return;
          }
          for (std::int64_t b = 0; b < batch; ++b) {
            const T* src = dyp + (b * tokens + i) * dim;
            T* dst = dxp + (b * (tokens - 1) + i - 1) * dim;
            for (std::int64_t j = 0; j < dim; ++j) dst[j] = src[j];
          }
        });
  });
}

void class_token_output_forward(const Tensor& x, Tensor& y) {
  const std::int64_t tokens = x.dim(1), dim = x.dim(2);
  visit_float_type(x.dtype(), "class_token_output_forward", [&](auto tag) {
    using T = decltype(tag);
    const T* const xp = x.data<T>();
    T* const yp = y.data<T>();
    host_for(
        "swag::class_token_output_forward", x.dim(0), KOKKOS_LAMBDA(std::int64_t b) {
          for (std::int64_t j = 0; j < dim; ++j) yp[b * dim + j] = xp[b * tokens * dim + j];
        });
  });
}

void class_token_output_backward(const Tensor& dy, Tensor& dx) {
  const std::int64_t tokens = dx.dim(1), dim = dx.dim(2);
  visit_float_type(dx.dtype(), "class_token_output_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* const dyp = dy.data<T>();
    T* const dxp = dx.data<T>();
    const T zero = store_as<T>(0.0f);
    host_for(
        "swag::class_token_output_backward", dx.dim(0) * tokens, KOKKOS_LAMBDA(std::int64_t row) {
          T* dr = dxp + row * dim;
          const std::int64_t b = row / tokens;
          for (std::int64_t j = 0; j < dim; ++j)
            dr[j] = row % tokens == 0 ? dyp[b * dim + j] : zero;
        });
  });
}

}  // namespace swag::cpu
