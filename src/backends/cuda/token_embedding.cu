// Class token, position embedding and the class token's output row, as the CPU backend
// (src/backends/cpu/token_embedding.cpp): one thread per output element; the batch sums of the
// embedding gradients in double, in sample order, rounded once, so the results are the CPU's
// bit for bit (and reproducible: no atomics). Token tensors have the storage type T, loaded to
// float and rounded once; the embedding gradients are fp32.
#include "launch.cuh"
#include "token_embedding_kernels.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

// y[b, t] = (t == 0 ? class_token : patches[b, t - 1]) + pos[t].
template <class T>
struct EmbedForward {
  const T *patches, *class_token, *pos;
  T* y;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t j = i % dim, row = i / dim;
    const std::int64_t b = row / tokens, t = row % tokens;
    const T src = t == 0 ? class_token[j] : patches[(b * (tokens - 1) + t - 1) * dim + j];
    y[i] = store_as<T>(load(src) + load(pos[t * dim + j]));
  }
};

// dpos[t, j] = sum over b of dy[b, t, j]; dclass_token = dpos[0].
template <class T>
struct EmbedBatchSums {
  const T* dy;
  float *dpos, *dclass_token;
  std::int64_t batch, tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    double s = 0.0;
    for (std::int64_t b = 0; b < batch; ++b) s += load(dy[b * tokens * dim + i]);
    dpos[i] = static_cast<float>(s);
    if (i < dim) dclass_token[i] = static_cast<float>(s);
  }
};

// dpatches[b, t - 1] = dy[b, t] for t >= 1.
template <class T>
struct EmbedPatchGradient {
  const T* dy;
  T* dpatches;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t per_sample = (tokens - 1) * dim;
    const std::int64_t b = i / per_sample, rest = i % per_sample;
    dpatches[i] = dy[b * tokens * dim + dim + rest];
  }
};

template <class T>
struct ClassRow {
  const T* x;
  T* y;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const { y[i] = x[i / dim * tokens * dim + i % dim]; }
};

template <class T>
struct ClassRowBackward {
  const T* dy;
  T* dx;
  std::int64_t tokens, dim;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t row = i / dim;
    dx[i] = row % tokens == 0 ? dy[row / tokens * dim + i % dim] : store_as<T>(0.0f);
  }
};

}  // namespace

template <class T>
void token_embedding_forward(const T* patches, const T* class_token, const T* pos, T* y,
                             std::int64_t batch, std::int64_t tokens, std::int64_t dim) {
  for_each(batch * tokens * dim, EmbedForward<T>{patches, class_token, pos, y, tokens, dim});
}

template <class T>
void token_embedding_backward(const T* dy, T* dpatches, float* dclass_token, float* dpos,
                              std::int64_t batch, std::int64_t tokens, std::int64_t dim) {
  for_each(tokens * dim, EmbedBatchSums<T>{dy, dpos, dclass_token, batch, tokens, dim});
  for_each(batch * (tokens - 1) * dim, EmbedPatchGradient<T>{dy, dpatches, tokens, dim});
}

template <class T>
void class_token_output_forward(const T* x, T* y, std::int64_t batch, std::int64_t tokens,
                                std::int64_t dim) {
  for_each(batch * dim, ClassRow<T>{x, y, tokens, dim});
}

template <class T>
void class_token_output_backward(const T* dy, T* dx, std::int64_t batch, std::int64_t tokens,
                                 std::int64_t dim) {
  for_each(batch * tokens * dim, ClassRowBackward<T>{dy, dx, tokens, dim});
}

#define SWAG_INSTANTIATE_TOKENS(T)                                                         \
  template void token_embedding_forward<T>(const T*, const T*, const T*, T*, std::int64_t, \
                                           std::int64_t, std::int64_t);                    \
  template void token_embedding_backward<T>(const T*, T*, float*, float*, std::int64_t,    \
                                            std::int64_t, std::int64_t);                   \
  template void class_token_output_forward<T>(const T*, T*, std::int64_t, std::int64_t,    \
                                              std::int64_t);                               \
  template void class_token_output_backward<T>(const T*, T*, std::int64_t, std::int64_t,   \
                                               std::int64_t);
SWAG_INSTANTIATE_TOKENS(float)
SWAG_INSTANTIATE_TOKENS(bf16)
SWAG_INSTANTIATE_TOKENS(f16)

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y) {
  require_on_device("token_embedding", {&patches, &class_token, &pos, &y});
  visit_float_type(y.dtype(), "token_embedding_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::token_embedding_forward(patches.data<T>(), class_token.data<T>(), pos.data<T>(),
                                     y.data<T>(), y.dim(0), y.dim(1), y.dim(2));
  });
}

void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos) {
  require_on_device("token_embedding", {&dy, &dpatches, &dclass_token, &dpos});
  visit_float_type(dy.dtype(), "token_embedding_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::token_embedding_backward(dy.data<T>(), dpatches.data<T>(), dclass_token.data<float>(),
                                      dpos.data<float>(), dy.dim(0), dy.dim(1), dy.dim(2));
  });
}

void class_token_output_forward(const Tensor& x, Tensor& y) {
  require_on_device("class_token_output", {&x, &y});
  visit_float_type(x.dtype(), "class_token_output_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::class_token_output_forward(x.data<T>(), y.data<T>(), x.dim(0), x.dim(1), x.dim(2));
  });
}

void class_token_output_backward(const Tensor& dy, Tensor& dx) {
  require_on_device("class_token_output", {&dy, &dx});
  visit_float_type(dx.dtype(), "class_token_output_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::class_token_output_backward(dy.data<T>(), dx.data<T>(), dx.dim(0), dx.dim(1),
                                         dx.dim(2));
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
