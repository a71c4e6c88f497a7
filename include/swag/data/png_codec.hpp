// PNG through libpng's simplified API (no setjmp/longjmp across C++ frames). Decoding gives
// 8-bit grey or RGB: alpha is composited onto black, 16-bit samples are reduced, palettes
// expanded. Errors are swag::Error(ExitCode::input) with libpng's reason.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "swag/data/image.hpp"

namespace swag::data {

struct PngHeader {
  int width = 0, height = 0, channels = 0;  // channels of the decoded image: 1 or 3
};

PngHeader read_png_header(std::span<const std::uint8_t> png);
Image decode_png(std::span<const std::uint8_t> png);
std::vector<std::uint8_t> encode_png(const Image& image);

}  // namespace swag::data
