// The per-process state that the CUDA ops share: one compute stream on which every op, copy and
// fill is ordered, the cuDNN and cuBLASLt handles bound to that stream, a scratch workspace, and
// the math mode of the GEMM-like ops (swag/ops/math_mode.hpp).
// swag::cuda::Runtime creates it; like the step loop, the ops run on one host thread.
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>

#include "swag/ops/math_mode.hpp"

namespace swag::cuda {

// The arithmetic of convolutions, linear layers and attention products (storage stays fp32).
using Math = ops::MathMode;

class Context {
 public:
  explicit Context(int device);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return device_; }
  // 10 * major + minor: 90 for an H100.
  int compute_capability() const { return compute_capability_; }
  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasLtHandle_t cublaslt() const { return cublaslt_; }

  // Scratch of at least `bytes` for the op that asks, valid until the next request. It grows and
  // never shrinks, so a step loop with static shapes allocates only during its first step.
  void* workspace(std::size_t bytes);
  // Waits for all work queued on the stream; rethrows the first asynchronous error.
  void synchronize();

  // The math mode of the ops called from now on (fp32 until set). The ops' plans are cached per
  // shape and mode, so switching back and forth rebuilds nothing and fp32 stays bitwise what it
  // was; the work already queued keeps the mode it was queued with.
  void set_math(Math math) { math_ = math; }
  Math math() const { return math_; }
  // Whether cuDNN's non-deterministic convolution algorithms are ruled out (ops::
  // set_gpu_deterministic); plans are keyed by it too.
  void set_deterministic(bool deterministic) { deterministic_ = deterministic; }
  bool deterministic() const { return deterministic_; }

 private:
  int device_;
  int compute_capability_ = 0;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasLtHandle_t cublaslt_ = nullptr;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = 0;
  Math math_ = Math::fp32;
  bool deterministic_ = true;
};

// The context of the live swag::cuda::Runtime; fails when there is none.
Context& context();

}  // namespace swag::cuda
