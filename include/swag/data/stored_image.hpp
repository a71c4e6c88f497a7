// What `swag shard` stores for one image file: JPEGs as they are (after an integrity check),
// anything else, or a JPEG whose longer side exceeds max_side, decoded and re-encoded as JPEG.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace swag::data {

// Which codec a file needs, from its first bytes (extensions lie; magic numbers do not).
enum class ImageFormat { jpeg, png, unknown };

ImageFormat sniff_image_format(std::span<const std::uint8_t> bytes);

struct StoredImage {
  std::vector<std::uint8_t> jpeg;
  int height = 0, width = 0;
  bool reencoded = false;
};

// Pillow's default limit on decoded pixels (Image.MAX_IMAGE_PIXELS), against decompression bombs.
constexpr std::int64_t default_max_pixels = 89'478'485;

struct StorageOptions {
  int max_side = 0;  // 0: any size
  int quality = 90;  // for re-encoded images
  // Images whose header claims more pixels are refused before any buffer is made (0: no limit).
  std::int64_t max_pixels = default_max_pixels;
};

// Throws swag::Error(ExitCode::input) with the reason (no file name) for data that is not a
// readable JPEG or PNG, or claims more than max_pixels.
StoredImage prepare_for_storage(std::span<const std::uint8_t> file_bytes,
                                const StorageOptions& options);

}  // namespace swag::data
