// Batch normalization over the last axis of a [rows, channels] view of an NHWC activation,
// optionally fused with the ReLU that follows it. Training uses the biased batch variance to
// normalize and updates the running variance with the unbiased one, as PyTorch does.
//
// x, y, dy and dx share one storage type, f32, bf16 or f16 (doc/mixed_precision.md); the
// parameters, statistics and dgamma, dbeta are always f32. The arithmetic is the f32 path's, on
// the loaded values, with each 16-bit output rounded once.
#pragma once
#include <cstdint>
#include <functional>

#include "swag/core/tensor.hpp"

namespace swag::ops {

// Sync BN: sums `count` per-channel values in place over the ranks that share the batch. On the
// CUDA backend `values` is device memory, and the sum must be ordered on the CUDA context's
// stream: after the work queued there so far, before the work queued after the call returns
// (dist::sync_batchnorm over NCCL does this).
using CrossRankSum = std::function<void(double* values, std::int64_t count)>;

struct BatchNormDesc {
  std::int64_t rows = 1, channels = 1;  // rows = N*H*W
  float eps = 1e-5f;
  float momentum = 0.1f;
  bool relu = false;
  // When set (and not empty), training statistics are those of the batch of all ranks, as
  // PyTorch's SyncBatchNorm: the means in forward and backward are global; dgamma and dbeta
  // stay this rank's sums, to be averaged with the other gradients.
  const CrossRankSum* sync = nullptr;
};

// Per-channel parameters, buffers and what the backward pass needs.
struct BatchNormState {
  Tensor gamma, beta;                // parameters [C]
  Tensor running_mean, running_var;  // buffers [C]
  Tensor save_mean, save_invstd;     // batch statistics from the last training forward [C]
};

void batchnorm_forward_train(const BatchNormDesc& d, const Tensor& x, BatchNormState& s, Tensor& y);
void batchnorm_forward_eval(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s,
                            Tensor& y);
// Normalizes with the batch statistics of the last training forward (save_mean, save_invstd),
// updating no running statistics and summing nothing over ranks: activation recomputation
// replays a training forward with it. On the same x, y is bitwise the training forward's.
void batchnorm_forward_saved(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s,
                             Tensor& y);
// Overwrites dx (which may alias dy), dgamma and dbeta. The fused ReLU's mask is recomputed
// from x and the saved statistics, exactly as the forward computed it, so the output need not
// be read again.
void batchnorm_backward(const BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta);

}  // namespace swag::ops
