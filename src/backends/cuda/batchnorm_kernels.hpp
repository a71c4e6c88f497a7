// Batch norm's training forward and backward in two stages each (batchnorm.cu), around the
// cross-rank sum of sync BN: stage one leaves per-channel sums in double on the device, the
// caller may sum them over the ranks in place, stage two finishes from them. Without sync BN,
// the two stages back to back are batchnorm_forward_train and batchnorm_backward below, bit for
// bit. Declared here for batchnorm.cu's entry points and the CPU emulator's tests.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

// Batch normalization over [rows, channels] (batchnorm.cu), without sync BN.
struct BatchNormArgs {
  std::int64_t rows, channels;
  float eps, momentum;
  bool relu;
  const float *gamma, *beta;
  float *running_mean, *running_var;  // updated by the training forward
  float *save_mean, *save_invstd;     // written by the training forward, read by backward
};
// The launchers are templates over the activations' storage type T (float, bf16 or f16, see
// doc/mixed_precision.md), explicitly instantiated for the three in batchnorm.cu: x and dy are
// loaded to float, y and dx rounded once to T; everything in BatchNormArgs stays float.
template <class T>
void batchnorm_forward_train(const BatchNormArgs& a, const T* x, T* y);
template <class T>
void batchnorm_forward_eval(const BatchNormArgs& a, const T* x, T* y);
// The training forward's normalization from save_mean and save_invstd (activation
// recomputation): bitwise what batchnorm_forward_apply wrote, with nothing else updated.
template <class T>
void batchnorm_forward_saved(const BatchNormArgs& a, const T* x, T* y);
template <class T>
void batchnorm_backward(const BatchNormArgs& a, const T* x, const T* dy, T* dx, float* dgamma,
                        float* dbeta);

// Stage one's sums live in the context workspace, which stage two takes up again: nothing may
// ask the context for a larger workspace in between (the caller checks that it did not move).
// sums[0, C): sum of x; sums[C, 2C): sum of x^2; sums[2C]: the row count. Queued on the context
// stream; returns the device address of the 2C + 1 sums.
template <class T>
double* batchnorm_forward_sums(const BatchNormArgs& a, const T* x);
// Batch statistics from the sums (their row count may be the global batch's), the running
// statistics update and the normalization.
template <class T>
void batchnorm_forward_apply(const BatchNormArgs& a, const double* sums, const T* x, T* y);

// sums[0, C): sum of g (dy behind the ReLU mask); sums[C, 2C): sum of g * xhat; sums[2C]: the
// row count. dbeta and dgamma are this rank's sums, written here, before any cross-rank sum.
template <class T>
double* batchnorm_backward_sums(const BatchNormArgs& a, const T* x, const T* dy, float* dgamma,
                                float* dbeta);
template <class T>
void batchnorm_backward_apply(const BatchNormArgs& a, const double* sums, const T* x, const T* dy,
                              T* dx);

}  // namespace swag::cuda::kernels
