#include "swag/data/stored_image.hpp"

#include <algorithm>
#include <array>

#include "swag/core/error.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/png_codec.hpp"
#include "swag/data/resize.hpp"

namespace swag::data {
namespace {

void check_pixels(std::int64_t width, std::int64_t height, const StorageOptions& options) {
  // PNG sides are 31-bit: their product fits an int64
  if (options.max_pixels > 0 && width * height > options.max_pixels)
    fail(ExitCode::input, "image of {}x{} pixels exceeds the limit of {} pixels (--max-pixels)",
         width, height, options.max_pixels);
}

StoredImage reencode(const Image& decoded, const StorageOptions& options) {
  const Image fitted = fit_within(decoded, options.max_side);
  return {encode_jpeg(fitted, options.quality), fitted.height, fitted.width, true};
}

}  // namespace

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

StoredImage prepare_for_storage(std::span<const std::uint8_t> file_bytes,
                                const StorageOptions& options) {
  switch (sniff_image_format(file_bytes)) {
    case ImageFormat::jpeg: {
      const JpegHeader claimed = read_jpeg_header(file_bytes);
      check_pixels(claimed.width, claimed.height, options);
      const JpegHeader header = verify_jpeg(file_bytes);
      if (options.max_side > 0 && std::max(header.width, header.height) > options.max_side)
        return reencode(decode_jpeg(file_bytes), options);
      return {{file_bytes.begin(), file_bytes.end()}, header.height, header.width, false};
    }
    case ImageFormat::png: {
      const PngHeader claimed = read_png_header(file_bytes);
      check_pixels(claimed.width, claimed.height, options);
      return reencode(decode_png(file_bytes), options);
    }
    case ImageFormat::unknown: break;
  }
  fail(ExitCode::input, "not a JPEG or PNG image");
}

}  // namespace swag::data
