#include "swag/data/scaled_decode.hpp"

#include <algorithm>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// round(x * num / denom) for x >= 0, halves up, in integers.
int scale_edge(int x, JpegScale s) {
  return static_cast<int>((2 * static_cast<std::int64_t>(x) * s.num + s.denom) / (2 * s.denom));
}

// Maps [start, start + length) of a side of `size` pixels; returns {start, length}.
std::pair<int, int> scale_span(int start, int length, JpegScale s, int size) {
  const int scaled_size = s.apply(size);
  int first = std::min(scale_edge(start, s), scaled_size - 1);
  const int last = std::clamp(scale_edge(start + length, s), first + 1, scaled_size);
  first = std::min(first, last - 1);
  return {first, last - first};
}

}  // namespace

CropBox scale_crop_box(const CropBox& box, JpegScale scale, int height, int width) {
  SWAG_CHECK(box.top >= 0 && box.left >= 0 && box.height > 0 && box.width > 0 &&
                 box.top + box.height <= height && box.left + box.width <= width,
             "crop box ({}, {}, {}x{}) outside a {}x{} image", box.top, box.left, box.height,
             box.width, height, width);
  const auto [top, h] = scale_span(box.top, box.height, scale, height);
  const auto [left, w] = scale_span(box.left, box.width, scale, width);
  return {top, left, h, w};
}

JpegScale choose_jpeg_scale(const CropBox& box, int side, int height, int width) {
  JpegScale best{1, 1};
  for (const JpegScale& s : jpeg_downscale_factors()) {  // largest first
    const CropBox scaled = scale_crop_box(box, s, height, width);
    if (scaled.height >= side && scaled.width >= side) best = s;
  }
  return best;
}

ScaledDecode decode_jpeg_for_crop(std::span<const std::uint8_t> jpeg, const CropBox& box, int side,
                                  bool dct_scaling) {
  if (!dct_scaling) return {decode_jpeg(jpeg), box, {1, 1}};
  const JpegHeader header = read_jpeg_header(jpeg);
  const JpegScale scale = choose_jpeg_scale(box, side, header.height, header.width);
  ScaledDecode out{decode_jpeg_scaled(jpeg, scale),
                   scale_crop_box(box, scale, header.height, header.width), scale};
  return out;
}

}  // namespace swag::data
