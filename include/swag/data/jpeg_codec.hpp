// JPEG through libjpeg-turbo's TurboJPEG API. Decoding is strict: libjpeg's warnings (a
// truncated stream, bad Huffman data) are errors, since a warning means damaged pixels. Errors
// are swag::Error(ExitCode::input) with libjpeg's reason and no file name (callers add it).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "swag/data/image.hpp"

namespace swag::data {

struct JpegHeader {
  int width = 0, height = 0, channels = 0;  // channels: 1 for greyscale JPEGs, else 3
};

JpegHeader read_jpeg_header(std::span<const std::uint8_t> jpeg);
// Full decode: greyscale stays one channel, colour becomes RGB. CMYK JPEGs are rejected.
Image decode_jpeg(std::span<const std::uint8_t> jpeg);
// Entropy-decodes the whole stream at 1/8 scale, which finds truncation and corruption for a
// fraction of a full decode's cost; returns the header.
JpegHeader verify_jpeg(std::span<const std::uint8_t> jpeg);

// A libjpeg-turbo DCT scaling factor num/denom. Decoding at it costs less than a full decode (a
// reduced inverse DCT per 8x8 block, and colour conversion of fewer pixels) and averages like
// an area downscale. A side of n pixels becomes ceil(n * num / denom) (TJSCALED).
struct JpegScale {
  int num = 1, denom = 1;
  int apply(int size) const { return (size * num + denom - 1) / denom; }
  bool operator==(const JpegScale&) const = default;
};
// The factors at most 1/1 that this libjpeg-turbo offers (tjGetScalingFactors: 7/8, 3/4, ...,
// 1/8), largest first, 1/1 included.
const std::vector<JpegScale>& jpeg_downscale_factors();
// Decode at one of those factors: the image has scale.apply(width) x scale.apply(height) pixels.
Image decode_jpeg_scaled(std::span<const std::uint8_t> jpeg, JpegScale scale);
// Baseline JPEG: greyscale for one channel, 4:2:0 chroma subsampling for RGB.
std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality);

}  // namespace swag::data
