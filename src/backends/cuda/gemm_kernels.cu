// The GEMM-like ops' helpers (conv2d.cpp, linear.cpp): a convolution's bias and its weights'
// layout for 16-bit activations, and the bias gradient: cuDNN's reduction for fp32 dy; for 16-bit
// dy a column sum in double (as the CPU backend sums it) in two fixed-order passes, blocks of
// kChunk rows into partial sums (sample_sums.cuh, one "sample" per chunk), then the partials in
// index order.
#include <climits>
#include <cstddef>
#include <type_traits>

#include "gemm_kernels.hpp"
#include "sample_sums.cuh"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

constexpr std::int64_t kChunk = 256;

std::int64_t chunks(std::int64_t rows) {
  return (rows + kChunk - 1) / kChunk;
}

template <class T>
struct AddBias {
  T* y;
  const T* b;
  std::int64_t cols;
  __device__ void operator()(std::int64_t i) const {
    y[i] = store_as<T>(load(y[i]) + load(b[i % cols]));
  }
};

// dst[i] for i over the destination layout.
template <class T>
struct Permute {
  const T* src;
  T* dst;
  std::int64_t in, kk;
  bool to_ohwi;
  __device__ void operator()(std::int64_t i) const {
    if (to_ohwi) {  // dst [o, s, c] from src [o, c, s]
      const std::int64_t c = i % in, s = i / in % kk, o = i / (in * kk);
      dst[i] = src[(o * in + c) * kk + s];
    } else {  // dst [o, c, s] from src [o, s, c]
      const std::int64_t s = i % kk, c = i / kk % in, o = i / (in * kk);
      dst[i] = src[(o * kk + s) * in + c];
    }
  }
};

template <class T>
struct ChunkTerm {
  const T* dy;
  std::int64_t rows, cols;
  __device__ double operator()(std::int64_t s, std::int64_t p, std::int64_t j) const {
    const std::int64_t r = s * kChunk + p;
    return r < rows ? double{load(dy[r * cols + j])} : 0.0;
  }
};
struct StorePartial {
  double* partials;
  __device__ void operator()(double sum, std::int64_t o) const { partials[o] = sum; }
};
struct PartialTerm {
  const double* partials;
  std::int64_t cols;
  __device__ double operator()(std::int64_t, std::int64_t p, std::int64_t j) const {
    return partials[p * cols + j];
  }
};
struct StoreSum {
  float* db;
  __device__ void operator()(double sum, std::int64_t o) const { db[o] = static_cast<float>(sum); }
};

}  // namespace

template <class T>
void add_bias(T* y, const T* b, std::int64_t rows, std::int64_t cols) {
  for_each(rows * cols, AddBias<T>{y, b, cols});
}

template <class T>
void permute_weights(const T* src, T* dst, std::int64_t o, std::int64_t i, std::int64_t kk,
                     bool to_ohwi) {
  for_each(o * i * kk, Permute<T>{src, dst, i, kk, to_ohwi});
}

std::int64_t column_sums_scratch(std::int64_t rows, std::int64_t cols) {
  return chunks(rows) * cols;
}

template <class T>
void column_sums(const T* dy, float* db, double* partials, std::int64_t rows, std::int64_t cols) {
  if (cols <= 0) return;
  const std::int64_t n = chunks(rows);
  sample_sums(n, kChunk, cols, ChunkTerm<T>{dy, rows, cols}, StorePartial{partials});
  sample_sums(1, n, cols, PartialTerm{partials, cols}, StoreSum{db});  // zeros when rows = 0
}

template void add_bias<bf16>(bf16*, const bf16*, std::int64_t, std::int64_t);
template void add_bias<f16>(f16*, const f16*, std::int64_t, std::int64_t);
template void permute_weights<bf16>(const bf16*, bf16*, std::int64_t, std::int64_t, std::int64_t,
                                    bool);
template void permute_weights<f16>(const f16*, f16*, std::int64_t, std::int64_t, std::int64_t,
                                   bool);
template void column_sums<bf16>(const bf16*, float*, double*, std::int64_t, std::int64_t);
template void column_sums<f16>(const f16*, float*, double*, std::int64_t, std::int64_t);

}  // namespace swag::cuda::kernels

// The bias gradient of conv2d.cpp and linear.cpp (op_support.hpp), by cuDNN or the column sums
// above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {
namespace {

void bias_gradient_f32(const float* dy, float* db, std::int64_t rows, std::int64_t cols) {
  if (rows * cols > INT_MAX)
    fail(ExitCode::config,
         "a bias gradient of {} x {} exceeds cuDNN's 32-bit indexing; lower the per-GPU batch size",
         rows, cols);
  // dy as an NCHW tensor [rows, cols, 1, 1]; cuDNN sums it over all but the channel axis.
  TensorDescriptor dy_desc, db_desc;
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(dy_desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                             static_cast<int>(rows), static_cast<int>(cols), 1, 1));
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(db_desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1,
                                             static_cast<int>(cols), 1, 1));
  const float one = 1.0f, zero = 0.0f;
  SWAG_CUDA_CHECK(
      cudnnConvolutionBackwardBias(context().cudnn(), &one, dy_desc, dy, &zero, db_desc, db));
}

}  // namespace

// cuDNN's reduction writes its output in the input's type; the fp32 gradient of 16-bit dy is a
// column sum of our own instead.
void bias_gradient(const Tensor& dy, float* db, std::int64_t rows, std::int64_t cols) {
  visit_float_type(dy.dtype(), "bias gradient", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) {
      bias_gradient_f32(dy.data<float>(), db, rows, cols);
    } else {
      const std::int64_t partials = kernels::column_sums_scratch(rows, cols);
      auto* scratch = static_cast<double*>(
          context().workspace(static_cast<std::size_t>(partials) * sizeof(double)));
      kernels::column_sums(dy.data<T>(), db, scratch, rows, cols);
    }
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
