#include "swag/data/image_format.hpp"

#include <algorithm>
#include <array>

namespace swag::data {

ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes) {
  constexpr std::array<std::uint8_t, 3> jpeg_soi = {0xFF, 0xD8, 0xFF};
  constexpr std::array<std::uint8_t, 8> png_signature = {0x89, 'P',  'N',  'G',
                                                         '\r', '\n', 0x1A, '\n'};
  auto starts_with = [&](std::span<const std::uint8_t> magic) {
    return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
  };
  if (starts_with(jpeg_soi)) return ImageFormat::jpeg;
  if (starts_with(png_signature)) return ImageFormat::png;
  return ImageFormat::unknown;
}

}  // namespace swag::data
