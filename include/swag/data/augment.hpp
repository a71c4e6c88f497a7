// The training and evaluation transforms of the paper (§3.2, §4.1), as torchvision does them:
// RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3), horizontal flip, ImageNet normalization; and
// for evaluation, the shorter side resized to R and a centre crop of R x R.
#pragma once
#include <cstdint>

#include "swag/core/rng.hpp"
#include "swag/data/image.hpp"

namespace swag::data {

struct CropBox {
  int top = 0, left = 0, height = 0, width = 0;
};

// torchvision's RandomResizedCrop.get_params: ten tries at a random area and log-uniform aspect
// ratio, then a centre crop clamped to the ratio range.
CropBox random_resized_crop_box(int height, int width, Rng& rng, double min_scale = 0.08,
                                double max_scale = 1.0, double min_ratio = 3.0 / 4.0,
                                double max_ratio = 4.0 / 3.0);

// The square centre crop that evaluation takes after resizing the shorter side.
CropBox center_square_box(int height, int width);

// Crops `box` from `image`, resizes it to side x side (bilinear with antialiasing, as PIL),
// optionally mirrors it, and writes the pixels as NHWC RGB bytes into out (side * side * 3).
// Greyscale images are replicated to three channels.
void crop_resize(const Image& image, const CropBox& box, int side, bool flip, std::uint8_t* out);

// crop_resize, then ((pixel / 255) - mean) / std per channel (normalize_pixel, the formula
// that ops::normalize_images applies to crop_resize's bytes) as NHWC float into out.
void crop_resize_normalize(const Image& image, const CropBox& box, int side, bool flip, float* out);

}  // namespace swag::data
