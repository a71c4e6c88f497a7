// Softmax cross-entropy against soft targets, as the CPU backend
// (src/backends/cpu/cross_entropy.cpp): one block per row; exponents of z - max(z) <= 0; the
// row's exponential sum and loss in double. The per-thread partials are combined in a fixed
// shared-memory tree, and the host adds the row losses in row order, so the loss is bitwise
// reproducible. Logits and dlogits have the activations' storage type T (loaded to float,
// rounded once); targets and probabilities are fp32.
#include <vector>

#include "kernels.hpp"
#include "launch.cuh"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

// Reduces v over the block's kThreads threads in a fixed tree; every thread gets the result.
template <class T, class Combine>
__device__ T block_reduce(T v, T* shared, Combine combine) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half)
      shared[threadIdx.x] = combine(shared[threadIdx.x], shared[threadIdx.x + half]);
    __syncthreads();
  }
  const T r = shared[0];
  __syncthreads();
  return r;
}

struct Max {
  __device__ float operator()(float a, float b) const { return b > a ? b : a; }
};
struct Sum {
  __device__ double operator()(double a, double b) const { return a + b; }
};

template <class T>
__global__ void cross_entropy_rows(const T* logits, const float* targets, float* probs,
                                   double* row_loss, std::int64_t c) {
  __shared__ float shared_max[kThreads];
  __shared__ double shared_sum[kThreads];
  const std::int64_t i = blockIdx.x;
  const T* z = logits + i * c;
  const float* t = targets + i * c;
  float* p = probs + i * c;
  float zmax = load(z[0]);
  for (std::int64_t j = threadIdx.x; j < c; j += kThreads)
    zmax = load(z[j]) > zmax ? load(z[j]) : zmax;
  zmax = block_reduce(zmax, shared_max, Max{});
  double sum = 0.0;
  for (std::int64_t j = threadIdx.x; j < c; j += kThreads) {
    p[j] = expf(load(z[j]) - zmax);
    sum += p[j];
  }
  sum = block_reduce(sum, shared_sum, Sum{});
  const double log_sum = log(sum);
  const float inv = static_cast<float>(1.0 / sum);
  double loss = 0.0;  // -sum_j t_j log softmax_j, with log softmax_j = z_j - zmax - log_sum
  for (std::int64_t j = threadIdx.x; j < c; j += kThreads) {
    p[j] *= inv;
    loss -= static_cast<double>(t[j]) * (static_cast<double>(load(z[j]) - zmax) - log_sum);
  }
  loss = block_reduce(loss, shared_sum, Sum{});
  if (threadIdx.x == 0) row_loss[i] = loss;
}

template <class T>
struct CrossEntropyBackward {
  const float *probs, *targets;
  float k;
  T* dlogits;
  __device__ void operator()(std::int64_t i) const {
    dlogits[i] = store_as<T>(k * (probs[i] - targets[i]));
  }
};

}  // namespace

template <class T>
double softmax_cross_entropy_forward(const T* logits, const float* targets, float* probs,
                                     std::int64_t m, std::int64_t c) {
  if (m <= 0) return 0.0;
  Context& ctx = context();
  auto* row_loss =
      static_cast<double*>(ctx.workspace(sizeof(double) * static_cast<std::size_t>(m)));
  launch(cross_entropy_rows<T>, dim3(static_cast<unsigned>(m)), dim3(kThreads), logits, targets,
         probs, row_loss, c);
  thread_local std::vector<double> host;  // grows once; steady-state calls allocate nothing
  host.resize(static_cast<std::size_t>(m));
  SWAG_CUDA_CHECK(cudaMemcpyAsync(host.data(), row_loss, sizeof(double) * host.size(),
                                  cudaMemcpyDeviceToHost, ctx.stream()));
  ctx.synchronize();
  double total = 0.0;
  for (const double l : host) total += l;
  return total / static_cast<double>(m);
}

template <class T>
void softmax_cross_entropy_backward(const float* probs, const float* targets, float scale,
                                    T* dlogits, std::int64_t m, std::int64_t c) {
  for_each(m * c, CrossEntropyBackward<T>{probs, targets, scale / static_cast<float>(m), dlogits});
}

#define SWAG_INSTANTIATE_CROSS_ENTROPY(T)                                                        \
  template double softmax_cross_entropy_forward<T>(const T*, const float*, float*, std::int64_t, \
                                                   std::int64_t);                                \
  template void softmax_cross_entropy_backward<T>(const float*, const float*, float, T*,         \
                                                  std::int64_t, std::int64_t);
SWAG_INSTANTIATE_CROSS_ENTROPY(float)
SWAG_INSTANTIATE_CROSS_ENTROPY(bf16)
SWAG_INSTANTIATE_CROSS_ENTROPY(f16)

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

double softmax_cross_entropy_forward(const Tensor& logits, const Tensor& targets, Tensor& probs) {
  require_on_device("cross_entropy", {&logits, &targets, &probs});
  return visit_float_type(logits.dtype(), "softmax_cross_entropy_forward", [&](auto tag) {
    using T = decltype(tag);
    return kernels::softmax_cross_entropy_forward(
        logits.data<T>(), targets.data<float>(), probs.data<float>(), logits.dim(0), logits.dim(1));
  });
}

void softmax_cross_entropy_backward(const Tensor& probs, const Tensor& targets, float scale,
                                    Tensor& dlogits) {
  require_on_device("cross_entropy", {&probs, &targets, &dlogits});
  visit_float_type(dlogits.dtype(), "softmax_cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::softmax_cross_entropy_backward(probs.data<float>(), targets.data<float>(), scale,
                                            dlogits.data<T>(), probs.dim(0), probs.dim(1));
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
