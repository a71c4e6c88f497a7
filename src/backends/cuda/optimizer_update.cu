// Optimizer kernels: PyTorch's SGD (Nesterov) and AdamW, the deterministic sum of squares of
// the gradient norm, and the element-wise helpers of the weight EMA. See
// optimizer_update_kernels.hpp.
#include <cmath>
#include <vector>

#include "launch.cuh"
#include "optimizer_update_kernels.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

struct Sgd {
  SgdArgs a;
  float* p;
  const float* g;
  float* buf;
  __device__ void operator()(std::int64_t i) const {
    const float gi = g[i] + a.weight_decay * p[i];
    const float b = a.first_step ? gi : a.momentum * buf[i] + gi;
    buf[i] = b;
    p[i] -= a.lr * (a.nesterov ? gi + a.momentum * b : b);
  }
};

struct AdamW {
  AdamWArgs a;
  float* p;
  const float* g;
  float *m, *v;
  __device__ void operator()(std::int64_t i) const {
    p[i] *= 1.0f - a.lr * a.weight_decay;
    m[i] = a.beta1 * m[i] + (1.0f - a.beta1) * g[i];
    v[i] = a.beta2 * v[i] + (1.0f - a.beta2) * g[i] * g[i];
    const float denom = sqrtf(v[i]) / a.root_correction2 + a.eps;  // IEEE sqrt and division
    p[i] -= a.lr / a.correction1 * m[i] / denom;
  }
};

struct Ema {
  float* average;
  const float* current;
  float keep, take;
  __device__ void operator()(std::int64_t i) const {
    average[i] = keep * average[i] + take * current[i];
  }
};

struct Swap {
  float *a, *b;
  __device__ void operator()(std::int64_t i) const {
    const float t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
};

// At most this many block partials, and at least this many elements a thread (below the cap).
constexpr std::int64_t kMaxSquareBlocks = 1024, kSquaresPerThread = 16;

std::int64_t square_blocks(std::int64_t n) {
  const std::int64_t per_block = kThreads * kSquaresPerThread;
  const std::int64_t b = (n + per_block - 1) / per_block;
  return b < 1 ? 1 : (b > kMaxSquareBlocks ? kMaxSquareBlocks : b);
}

// partial[b] = sum of x[i]^2 over block b's chunk [n*b/B, n*(b+1)/B): thread t sums every
// kThreads-th element from the chunk start + t, in order; then a fixed tree over the threads.
__global__ void sum_of_squares_kernel(const float* x, std::int64_t n, double* partial) {
  __shared__ double shared[kThreads];
  const std::int64_t blocks = gridDim.x, b = blockIdx.x;
  const std::int64_t begin = n * b / blocks, end = n * (b + 1) / blocks;
  double s = 0.0;
  for (std::int64_t i = begin + threadIdx.x; i < end; i += kThreads) {
    const double v = x[i];
    s += v * v;
  }
  shared[threadIdx.x] = s;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[b] = shared[0];
}

}  // namespace

void sgd_update(const SgdArgs& a, float* param, const float* grad, float* momentum_buffer,
                std::int64_t n) {
  for_each(n, Sgd{a, param, grad, momentum_buffer});
}

void adamw_update(const AdamWArgs& a, float* param, const float* grad, float* m, float* v,
                  std::int64_t n) {
  for_each(n, AdamW{a, param, grad, m, v});
}

double sum_of_squares(const float* x, std::int64_t n) {
  if (n <= 0) return 0.0;
  Context& ctx = context();
  const std::int64_t blocks = square_blocks(n);
  auto* partial = static_cast<double*>(ctx.workspace(sizeof(double) * blocks));
  launch(sum_of_squares_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kThreads), x, n, partial);
  std::vector<double> host(static_cast<std::size_t>(blocks));
  SWAG_CUDA_CHECK(cudaMemcpyAsync(host.data(), partial, sizeof(double) * blocks,
                                  cudaMemcpyDeviceToHost, ctx.stream()));
  ctx.synchronize();
  double total = 0.0;
  for (const double s : host) total += s;
  return total;
}

void ema_update(float* average, const float* current, float keep, float take, std::int64_t n) {
  for_each(n, Ema{average, current, keep, take});
}

void swap_values(float* a, float* b, std::int64_t n) {
  for_each(n, Swap{a, b});
}

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer) {
  require_on_device("sgd_update", {&param, &grad, &momentum_buffer});
  const kernels::SgdArgs a{u.lr, u.momentum, u.weight_decay, u.nesterov, u.first_step};
  kernels::sgd_update(a, param.data<float>(), grad.data<float>(), momentum_buffer.data<float>(),
                      param.numel());
}

void adamw_update(const ops::AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m,
                  Tensor& v) {
  require_on_device("adamw_update", {&param, &grad, &m, &v});
  // The bias corrections as the CPU backend computes them (double, then rounded to float).
  const auto t = static_cast<double>(u.step);
  const float correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(u.beta1), t));
  const float root_correction2 =
      static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(u.beta2), t)));
  const kernels::AdamWArgs a{u.lr,           u.beta1,     u.beta2,         u.eps,
                             u.weight_decay, correction1, root_correction2};
  kernels::adamw_update(a, param.data<float>(), grad.data<float>(), m.data<float>(),
                        v.data<float>(), param.numel());
}

double sum_of_squares(const Tensor& x) {
  require_on_device("sum_of_squares", {&x});
  return kernels::sum_of_squares(x.data<float>(), x.numel());
}

void ema_update(Tensor& average, const Tensor& current, float keep, float take) {
  require_on_device("ema_update", {&average, &current});
  kernels::ema_update(average.data<float>(), current.data<float>(), keep, take, average.numel());
}

void swap_values(Tensor& a, Tensor& b) {
  require_on_device("swap_values", {&a, &b});
  kernels::swap_values(a.data<float>(), b.data<float>(), a.numel());
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
