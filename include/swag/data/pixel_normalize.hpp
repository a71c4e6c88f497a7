// The ImageNet normalization of a pixel, ((v / 255) - mean) / std per channel in float: written
// once for the loader's float path (augment.cpp), the CPU backend's ops::normalize_images and,
// compiled by nvcc (C++17, host and device), the CUDA kernel, so the three give the same bits.
// Header-only and free of other swag headers, so the ops backends include it without linking
// swag_data. The CUDA kernels are built with --fmad=false; there is no multiply-add here anyway,
// and IEEE division and subtraction round the same on the host and the device.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define SWAG_PIXEL_HOST_DEVICE __host__ __device__
#else
#define SWAG_PIXEL_HOST_DEVICE
#endif

namespace swag::data {

// Channel c (0 red, 1 green, 2 blue) of pixel value v.
SWAG_PIXEL_HOST_DEVICE inline float normalize_pixel(std::uint8_t v, int c) {
  const float mean = c == 0 ? 0.485f : (c == 1 ? 0.456f : 0.406f);
  const float std = c == 0 ? 0.229f : (c == 1 ? 0.224f : 0.225f);
  return (static_cast<float>(v) / 255.0f - mean) / std;
}

// out[i] = normalize_pixel(in[i], i % 3) for n values of NHWC RGB pixels.
inline void normalize_pixels(const std::uint8_t* in, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; i += 3)
    for (int c = 0; c < 3; ++c) out[i + c] = normalize_pixel(in[i + c], c);
}

}  // namespace swag::data
