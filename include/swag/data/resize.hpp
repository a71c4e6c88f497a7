// Downscaling for `swag shard --max-side`: separable triangle (bilinear) filter whose support
// widens with the scale factor, so that shrinking averages every source pixel (as PIL's
// BILINEAR resize does) instead of aliasing. Also the resize of the training crops (augment.hpp).
#pragma once
#include "swag/data/image.hpp"

namespace swag::data {

Image resize(const Image& image, int width, int height);
// resize of the region_height x region_width pixels at (top, left) of `image`, read in place.
Image resize_region(const Image& image, int top, int left, int region_height, int region_width,
                    int width, int height);
// The longer side becomes max_side (aspect kept, each side at least 1); smaller images unchanged.
Image fit_within(const Image& image, int max_side);

}  // namespace swag::data
