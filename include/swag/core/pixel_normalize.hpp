// The ImageNet normalization of a pixel, ((v / 255) - mean) / std per channel in float, written
// once for the loader (data/augment.cpp) and both backends' ops::normalize_images, so the three
// give the same bits (IEEE division and subtraction, no multiply-add; doc/gpu.md).
#pragma once
#include <cstdint>

#include "swag/core/host_device.hpp"

namespace swag {

// Channel c (0 red, 1 green, 2 blue) of pixel value v.
SWAG_HOST_DEVICE inline float normalize_pixel(std::uint8_t v, int c) {
  const float mean = c == 0 ? 0.485f : (c == 1 ? 0.456f : 0.406f);
  const float std = c == 0 ? 0.229f : (c == 1 ? 0.224f : 0.225f);
  return (static_cast<float>(v) / 255.0f - mean) / std;
}

// out[i] = normalize_pixel(in[i], i % 3) for n values of NHWC RGB pixels.
inline void normalize_pixels(const std::uint8_t* in, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; i += 3)
    for (int c = 0; c < 3; ++c) out[i + c] = normalize_pixel(in[i + c], c);
}

}  // namespace swag
