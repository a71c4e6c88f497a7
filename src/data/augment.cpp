#include "swag/data/augment.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "swag/core/pixel_normalize.hpp"
#include "swag/data/resize.hpp"

namespace swag::data {
namespace {

// Uniform integer in [0, n), as torch.randint(0, n).
int uniform_int(Rng& rng, int n) {
  return static_cast<int>(rng.next_u32() % static_cast<std::uint32_t>(n));
}

// Calls write(index, channel, value) for each value of `resized` (side x side) as RGB NHWC,
// mirrored left to right if `flip`, grey repeated in the three channels.
template <class Write>
void for_each_output(const Image& resized, bool flip, Write write) {
  const int side = resized.width, c = resized.channels;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const int sx = flip ? side - 1 - x : x;
      const std::uint8_t* p = resized.pixels.data() + (static_cast<std::size_t>(y) * side + sx) * c;
      const std::size_t o = (static_cast<std::size_t>(y) * side + x) * 3;
      for (int k = 0; k < 3; ++k) write(o + k, k, p[c == 1 ? 0 : k]);
    }
}

}  // namespace

CropBox random_resized_crop_box(int height, int width, Rng& rng, double min_scale, double max_scale,
                                double min_ratio, double max_ratio) {
  const double area = static_cast<double>(height) * width;
  const double log_min = std::log(min_ratio), log_max = std::log(max_ratio);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (min_scale + (max_scale - min_scale) * rng.uniform());
    const double ratio = std::exp(log_min + (log_max - log_min) * rng.uniform());
    const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && w <= width && h > 0 && h <= height)
      return {uniform_int(rng, height - h + 1), uniform_int(rng, width - w + 1), h, w};
  }
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < min_ratio)
    h = static_cast<int>(std::lround(w / min_ratio));
  else if (in_ratio > max_ratio)
    w = static_cast<int>(std::lround(h * max_ratio));
  return {(height - h) / 2, (width - w) / 2, h, w};
}

CropBox center_square_box(int height, int width) {
  const int side = std::min(height, width);
  return {(height - side) / 2, (width - side) / 2, side, side};
}

void crop_resize(const Image& image, const CropBox& box, int side, bool flip, std::uint8_t* out) {
  const Image resized = resize_region(image, box.top, box.left, box.height, box.width, side, side);
  for_each_output(resized, flip, [&](std::size_t i, int, std::uint8_t v) { out[i] = v; });
}

void crop_resize_normalize(const Image& image, const CropBox& box, int side, bool flip,
                           float* out) {
  // normalize_pixel of each of the 3 x 256 values, once: two divisions per value otherwise.
  static const std::array<std::array<float, 256>, 3> table = [] {
    std::array<std::array<float, 256>, 3> t{};
    for (int c = 0; c < 3; ++c)
      for (int v = 0; v < 256; ++v) t[c][v] = normalize_pixel(static_cast<std::uint8_t>(v), c);
    return t;
  }();
  const Image resized = resize_region(image, box.top, box.left, box.height, box.width, side, side);
  for_each_output(resized, flip,
                  [&](std::size_t i, int c, std::uint8_t v) { out[i] = table[c][v]; });
}

}  // namespace swag::data
