#include "swag/data/png_codec.hpp"

#include <png.h>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// png_image owns libpng state until png_image_free; also on the error paths.
struct PngImage {
  PngImage() {
    image.version = PNG_IMAGE_VERSION;
    image.opaque = nullptr;
  }
  ~PngImage() { png_image_free(&image); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;
  png_image image{};
};

void begin_read(PngImage& p, std::span<const std::uint8_t> png) {
  if (!png_image_begin_read_from_memory(&p.image, png.data(), png.size()))
    fail(ExitCode::input, "corrupt PNG ({})", p.image.message);
}

}  // namespace

PngHeader read_png_header(std::span<const std::uint8_t> png) {
  PngImage p;
  begin_read(p, png);
  const bool colour = (p.image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  return {static_cast<int>(p.image.width), static_cast<int>(p.image.height), colour ? 3 : 1};
}

Image decode_png(std::span<const std::uint8_t> png) {
  PngImage p;
  begin_read(p, png);
  const bool colour = (p.image.format & PNG_FORMAT_FLAG_COLOR) != 0;
  p.image.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  Image out = Image::blank(static_cast<int>(p.image.width), static_cast<int>(p.image.height),
                           colour ? 3 : 1);
  if (!png_image_finish_read(&p.image, nullptr, out.pixels.data(), 0, nullptr))
    fail(ExitCode::input, "corrupt PNG ({})", p.image.message);
  return out;
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  SWAG_CHECK(image.channels == 1 || image.channels == 3, "{} channels", image.channels);
  PngImage p;
  p.image.width = static_cast<png_uint_32>(image.width);
  p.image.height = static_cast<png_uint_32>(image.height);
  p.image.format = image.channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&p.image, nullptr, &size, 0, image.pixels.data(), 0, nullptr))
    fail(ExitCode::failure, "PNG encoding failed: {}", p.image.message);
  std::vector<std::uint8_t> out(size);
  if (!png_image_write_to_memory(&p.image, out.data(), &size, 0, image.pixels.data(), 0, nullptr))
    fail(ExitCode::failure, "PNG encoding failed: {}", p.image.message);
  out.resize(size);
  return out;
}

}  // namespace swag::data
