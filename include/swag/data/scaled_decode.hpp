// JPEG decoding for a crop that is going to be resized to side x side: libjpeg-turbo decodes at
// the smallest of the DCT scaling factors 1/2, 1/4, 1/8 at which the crop still has at least
// `side` pixels both ways (else at 1/1), so the resize after it only ever shrinks, as it would
// from the full image. For the training crops of ImageNet-sized images at 224 this is mostly 1/1,
// for low resolutions 1/2 to 1/8: the decode does less work and the resize reads fewer pixels.
#pragma once
#include <cstdint>
#include <span>

#include "swag/data/augment.hpp"
#include "swag/data/image.hpp"
#include "swag/data/jpeg_codec.hpp"

namespace swag::data {

// A box of the full-size image (height x width pixels) in the pixels of its decode at `scale`
// (scale.apply(height) x scale.apply(width)): each edge rounded to the nearest scaled pixel
// boundary, then kept inside the scaled image and at least one pixel wide. Exact at 1/1. When
// box.width * num / denom >= k for an integer k, the mapped width is at least k (same for the
// height).
CropBox scale_crop_box(const CropBox& box, JpegScale scale, int height, int width);

// The smallest of the factors 1/1, 1/2, 1/4, 1/8 at which scale_crop_box(box) is at least
// side x side; 1/1 when the crop is smaller than that at full size (it is then enlarged). The
// factors 7/8 ... 3/8 are left out: libjpeg-turbo 2.1 runs their inverse DCTs in C, which costs
// more than decoding at the next power of two up and resizing the larger crop (doc/benchmarks.md).
JpegScale choose_jpeg_scale(const CropBox& box, int side, int height, int width);

// The part of the decode at `scale` that holds `box` (in the scaled image's pixels), through
// libjpeg's jpeg_skip_scanlines and jpeg_crop_scanline: the rows above the box are skipped
// (entropy-decoded only), those below it never read, and only the iMCU columns under it go
// through the inverse DCT and colour conversion. Its pixels are decode_jpeg_scaled's (one
// margin pixel on each side keeps the chroma upsampling's neighbours); `box` says where the
// requested box lies in it. Damage below the box goes unseen (verify_jpeg finds it).
struct JpegRegion {
  Image image;
  CropBox box;
};
JpegRegion decode_jpeg_region(std::span<const std::uint8_t> jpeg, JpegScale scale,
                              const CropBox& box);

struct ScaledDecode {
  Image image;  // the part of the decode at `scale` that holds the crop (decode_jpeg_region)
  CropBox box;  // the requested crop in image's pixels
  JpegScale scale;
};

// Decodes `jpeg` for the crop `box` (in full-size pixels, e.g. drawn from read_jpeg_header's
// size) that will be resized to side x side: the region of the decode at choose_jpeg_scale that
// holds the crop. With dct_scaling false, a full decode (scale 1/1) that returns `box`
// unchanged.
ScaledDecode decode_jpeg_for_crop(std::span<const std::uint8_t> jpeg, const CropBox& box, int side,
                                  bool dct_scaling = true);

}  // namespace swag::data
