// A decoded 8-bit image: rows top to bottom, channels interleaved (1 = grey, 3 = RGB).
#pragma once
#include <cstdint>
#include <vector>

namespace swag::data {

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;  // height * width * channels

  static Image blank(int width, int height, int channels) {
    return {width, height, channels,
            std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * channels)};
  }
};

}  // namespace swag::data
