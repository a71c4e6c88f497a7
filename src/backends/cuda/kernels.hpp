// Launchers of the hand-written CUDA kernels (the .cu files beside this one), on raw device
// pointers. nvcc compiles device code as C++17 (CMake 3.25 knows no CUDA20), so the .cu files
// include no swag headers that need C++20 (Tensor among them); the wrappers in the .cpp files
// check the tensors and call these. Every launcher queues its work on the context stream and
// checks the launch; n is an element count, rows x channels an NHWC activation as [rows, C].
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

// Element-wise (elementwise.cu); y, dx may alias their inputs element for element.
void relu_forward(const float* x, float* y, std::int64_t n);
void relu_backward(const float* y, const float* dy, float* dx, std::int64_t n);
void sigmoid_forward(const float* x, float* y, std::int64_t n);
void sigmoid_backward(const float* y, const float* dy, float* dx, std::int64_t n);
void gelu_forward(const float* x, float* y, std::int64_t n);
void gelu_backward(const float* x, const float* dy, float* dx, std::int64_t n);
void tanh_forward(const float* x, float* y, std::int64_t n);
void tanh_backward(const float* y, const float* dy, float* dx, std::int64_t n);
void add_forward(const float* a, const float* b, float* y, std::int64_t n, bool relu);
void accumulate(const float* x, float* y, std::int64_t n);
void scale(float* x, float factor, std::int64_t n);

// Global average pooling of NHWC [n, hw, c] (pool.cu).
void global_avg_pool_forward(const float* x, float* y, std::int64_t n, std::int64_t hw,
                             std::int64_t c);
void global_avg_pool_backward(const float* dy, float* dx, std::int64_t n, std::int64_t hw,
                              std::int64_t c, bool accumulate);

// Channel-wise scaling of NHWC [n, hw, c] by scale [n, c] (channel_scale.cu).
void channel_scale_forward(const float* x, const float* scale, float* y, std::int64_t n,
                           std::int64_t hw, std::int64_t c);
void channel_scale_backward(const float* x, const float* scale, const float* dy, float* dx,
                            float* dscale, std::int64_t n, std::int64_t hw, std::int64_t c);

// Softmax cross-entropy with soft targets over [m, c] (cross_entropy.cu). The forward returns
// the mean loss, so it waits for the stream.
double softmax_cross_entropy_forward(const float* logits, const float* targets, float* probs,
                                     std::int64_t m, std::int64_t c);
void softmax_cross_entropy_backward(const float* probs, const float* targets, float scale,
                                    float* dlogits, std::int64_t m, std::int64_t c);

}  // namespace swag::cuda::kernels
