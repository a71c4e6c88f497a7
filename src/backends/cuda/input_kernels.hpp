// Launchers of the input-pipeline kernels (normalize.cu) on raw device pointers, in the style of
// kernels.hpp: nvcc compiles the .cu files as C++17, so they include no C++20 swag headers; the
// .cpp wrappers check the tensors and call these. Work is queued on the context stream.
#pragma once
#include <cstdint>

#include "swag/core/float16.hpp"

namespace swag::cuda::kernels {

// images[i] = normalize_pixel(pixels[i], i % 3) rounded once to T (float, bf16 or f16;
// instantiated for the three in normalize.cu) for n bytes of NHWC RGB pixels.
template <class T>
void normalize_images(const std::uint8_t* pixels, T* images, std::int64_t n);

}  // namespace swag::cuda::kernels
