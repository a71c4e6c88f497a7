// Launchers of the input-pipeline kernels (normalize.cu) on raw device pointers, for its entry
// points and the CPU emulator's tests (tests/kernel_emulation). Work is queued on the context
// stream.
#pragma once
#include <cstdint>

#include "swag/core/float16.hpp"

namespace swag::cuda::kernels {

// images[i] = normalize_pixel(pixels[i], i % 3) rounded once to T (float, bf16 or f16;
// instantiated for the three in normalize.cu) for n bytes of NHWC RGB pixels.
template <class T>
void normalize_images(const std::uint8_t* pixels, T* images, std::int64_t n);

}  // namespace swag::cuda::kernels
