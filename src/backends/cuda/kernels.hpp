// Launchers on raw device pointers of the element-wise, conversion, pooling, channel-scale,
// cross-entropy and probe kernels (the .cu files named below): each .cu's entry points check the
// tensors and call them, and so do the CPU emulator's tests (tests/kernel_emulation). Every
// launcher queues its work on the context stream and checks the launch; n is an element count,
// rows x channels an NHWC activation as [rows, C].
#pragma once
#include <cstdint>

#include "swag/core/float16.hpp"

namespace swag::cuda::kernels {

// The activation launchers are templates over the storage type T (float, bf16 or f16; see
// doc/mixed_precision.md), explicitly instantiated for the three in their .cu file: inputs are
// loaded to float, the arithmetic is the fp32 kernel's, each output is rounded once to T.

// Element-wise (elementwise.cu); y, dx may alias their inputs element for element.
template <class T>
void relu_forward(const T* x, T* y, std::int64_t n);
template <class T>
void relu_backward(const T* y, const T* dy, T* dx, std::int64_t n);
template <class T>
void sigmoid_forward(const T* x, T* y, std::int64_t n);
template <class T>
void sigmoid_backward(const T* y, const T* dy, T* dx, std::int64_t n);
template <class T>
void gelu_forward(const T* x, T* y, std::int64_t n);
template <class T>
void gelu_backward(const T* x, const T* dy, T* dx, std::int64_t n);
template <class T>
void tanh_forward(const T* x, T* y, std::int64_t n);
template <class T>
void tanh_backward(const T* y, const T* dy, T* dx, std::int64_t n);
template <class T>
void add_forward(const T* a, const T* b, T* y, std::int64_t n, bool relu);
template <class T>
void accumulate(const T* x, T* y, std::int64_t n);
// fp32 only: it scales gradients, which are fp32 whatever the activations are.
void scale(float* x, float factor, std::int64_t n);

// dst[i] = src[i] rounded to D, for S and D each float, bf16 or f16 (convert.cu).
template <class S, class D>
void convert(const S* src, D* dst, std::int64_t n);
// [n, c, hw] -> [n, hw, c] (convert.cu).
void nchw_to_nhwc(const float* x, float* y, std::int64_t n, std::int64_t c, std::int64_t hw);

// Global average pooling of NHWC [n, hw, c] (pool.cu).
template <class T>
void global_avg_pool_forward(const T* x, T* y, std::int64_t n, std::int64_t hw, std::int64_t c);
template <class T>
void global_avg_pool_backward(const T* dy, T* dx, std::int64_t n, std::int64_t hw, std::int64_t c,
                              bool accumulate);

// Channel-wise scaling of NHWC [n, hw, c] by scale [n, c] (channel_scale.cu).
template <class T>
void channel_scale_forward(const T* x, const T* scale, T* y, std::int64_t n, std::int64_t hw,
                           std::int64_t c);
template <class T>
void channel_scale_backward(const T* x, const T* scale, const T* dy, T* dx, T* dscale,
                            std::int64_t n, std::int64_t hw, std::int64_t c);

// An empty kernel on the context stream (probe.cu): false when this build has no code for the
// GPU (cudaErrorNoKernelImageForDevice), so that the runtime can say so before the first op.
bool launch_probe();

// Softmax cross-entropy with soft targets over [m, c] (cross_entropy.cu): logits and dlogits
// in T, targets and probs fp32. The forward returns the mean loss, so it waits for the stream.
template <class T>
double softmax_cross_entropy_forward(const T* logits, const float* targets, float* probs,
                                     std::int64_t m, std::int64_t c);
template <class T>
void softmax_cross_entropy_backward(const float* probs, const float* targets, float scale,
                                    T* dlogits, std::int64_t m, std::int64_t c);

}  // namespace swag::cuda::kernels
