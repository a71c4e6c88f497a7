// Which codec a file needs, from its first bytes (extensions lie; magic numbers do not).
#pragma once
#include <cstdint>
#include <span>

namespace swag::data {

enum class ImageFormat { jpeg, png, unknown };

ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes);

}  // namespace swag::data
