// Helpers shared by the cuDNN and cuBLASLt ops.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "swag/backends/cuda/check.hpp"
#include "swag/core/tensor.hpp"

namespace swag::cuda {

// The dispatcher looks at the input only; a weight or gradient left on the host would be read
// through a host pointer by the GPU, so every argument is checked here.
inline void require_on_device(std::string_view op, std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors)
    SWAG_CHECK(!t || t->device() == Device::cuda, "{} on CUDA got a {} tensor of shape {}", op,
               device_name(t->device()), shape_str(t->shape()));
}

// Pieces carved from the context workspace start on 256-byte boundaries, as cudaMalloc's do.
constexpr std::size_t align_up(std::size_t bytes) {
  return (bytes + 255) / 256 * 256;
}

// An owned cuDNN descriptor (host-side object, cheap to create).
template <class T, cudnnStatus_t (*create)(T*), cudnnStatus_t (*destroy)(T)>
class Descriptor {
 public:
  Descriptor() { SWAG_CUDA_CHECK(create(&d_)); }
  ~Descriptor() { destroy(d_); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  operator T() const { return d_; }

 private:
  T d_{};
};

using TensorDescriptor =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
               cudnnDestroyConvolutionDescriptor>;

// db[c] = sum over r of dy[r][c] for a row-major [rows, cols] gradient (gemm_kernels.cu): the
// bias gradient of a linear layer, and of a convolution, whose NHWC dy is [N*H*W, C]. dy is f32,
// bf16 or f16, db fp32. Ordered on the context stream, without atomics (cuDNN's bias reduction
// for f32, a fixed-order sum in double for 16 bits), so the result is bitwise reproducible.
void bias_gradient(const Tensor& dy, float* db, std::int64_t rows, std::int64_t cols);

}  // namespace swag::cuda
