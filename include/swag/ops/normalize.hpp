// The loader's ImageNet normalization as an op, so that batches can cross to the GPU as bytes
// and be normalized there.
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

// images = normalize_pixel(pixels) per channel: pixels u8 [N, H, W, 3] (what
// data::Loader writes into a u8 batch), images f32, bf16 or f16 of the same shape on the same
// device. On either backend the result is, bit for bit, the f32 batch that the loader writes,
// rounded once to the images' type.
void normalize_images(const Tensor& pixels, Tensor& images);

}  // namespace swag::ops
