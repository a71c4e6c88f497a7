// Launchers of the input-pipeline kernels (normalize.cu) on raw device pointers, in the style of
// kernels.hpp: nvcc compiles the .cu files as C++17, so they include no C++20 swag headers; the
// .cpp wrappers check the tensors and call these. Work is queued on the context stream.
#pragma once
#include <cstdint>

namespace swag::cuda::kernels {

// images[i] = data::normalize_pixel(pixels[i], i % 3) for n bytes of NHWC RGB pixels.
void normalize_images(const std::uint8_t* pixels, float* images, std::int64_t n);

}  // namespace swag::cuda::kernels
