#include "swag/data/resize.hpp"

#include <algorithm>
#include <cmath>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// For each output coordinate, the first source index and its normalized filter weights, which
// lie at weights[offset[o] .. offset[o + 1]).
struct Taps {
  std::vector<int> first, offset;
  std::vector<float> weights;
};

Taps triangle_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double support = std::max(scale, 1.0);  // triangle half-width in source pixels
  Taps taps;
  taps.offset.push_back(0);
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(std::floor(centre - support)));
    const int hi = std::min(in_size, static_cast<int>(std::ceil(centre + support)));
    const std::size_t start = taps.weights.size();
    double total = 0;
    for (int i = lo; i < hi; ++i) {
      const double x = std::abs((i + 0.5 - centre) / support);
      const double weight = std::max(0.0, 1.0 - x);
      taps.weights.push_back(static_cast<float>(weight));
      total += weight;
    }
    for (std::size_t t = start; t < taps.weights.size(); ++t)
      taps.weights[t] = static_cast<float>(taps.weights[t] / total);
    taps.first.push_back(lo);
    taps.offset.push_back(static_cast<int>(taps.weights.size()));
  }
  return taps;
}

// One row of C-channel pixels filtered across into `out` (width outputs x C floats). Each sum
// runs over its taps in order, as the vertical pass does, so every rounding is fixed.
template <int C>
void filter_row(const std::uint8_t* in, const Taps& across, int width, float* out) {
  for (int x = 0; x < width; ++x) {
    const float* w = across.weights.data() + across.offset[x];
    const int n = across.offset[x + 1] - across.offset[x];
    const std::uint8_t* p = in + static_cast<std::ptrdiff_t>(across.first[x]) * C;
    float sum[C] = {};
    for (int t = 0; t < n; ++t)
      for (int k = 0; k < C; ++k) sum[k] += w[t] * static_cast<float>(p[t * C + k]);
    for (int k = 0; k < C; ++k) out[x * C + k] = sum[k];
  }
}

}  // namespace

Image resize_region(const Image& image, int top, int left, int region_height, int region_width,
                    int width, int height) {
  SWAG_CHECK(width > 0 && height > 0, "resize to {}x{}", width, height);
  SWAG_CHECK(top >= 0 && left >= 0 && region_height > 0 && region_width > 0 &&
                 top + region_height <= image.height && left + region_width <= image.width,
             "region ({}, {}, {}x{}) outside a {}x{} image", top, left, region_height, region_width,
             image.height, image.width);
  const int c = image.channels;
  SWAG_CHECK(c == 1 || c == 3, "{} channels", c);
  const Taps across = triangle_taps(region_width, width),
             down = triangle_taps(region_height, height);
  const std::size_t row = static_cast<std::size_t>(width) * c;
  // Horizontal pass into floats, then vertical pass with rounding back to 8 bits.
  std::vector<float> rows(static_cast<std::size_t>(region_height) * row);
  for (int y = 0; y < region_height; ++y) {
    const std::uint8_t* in =
        image.pixels.data() +
        (static_cast<std::size_t>(top + y) * image.width + left) * static_cast<std::size_t>(c);
    if (c == 3)
      filter_row<3>(in, across, width, rows.data() + y * row);
    else
      filter_row<1>(in, across, width, rows.data() + y * row);
  }
  Image out = Image::blank(width, height, c);
  std::vector<float> sum(row);
  for (int y = 0; y < height; ++y) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (int t = down.offset[y]; t < down.offset[y + 1]; ++t) {
      const float w = down.weights[t];
      const float* r = rows.data() + (down.first[y] + t - down.offset[y]) * row;
      for (std::size_t i = 0; i < row; ++i) sum[i] += w * r[i];
    }
    // Sums are >= 0 (weights and pixels are): floor(s + 1/2) in double is lround(s), exactly.
    std::uint8_t* o = out.pixels.data() + y * row;
    for (std::size_t i = 0; i < row; ++i)
      o[i] =
          static_cast<std::uint8_t>(std::min(255.0, std::floor(static_cast<double>(sum[i]) + 0.5)));
  }
  return out;
}

Image resize(const Image& image, int width, int height) {
  return resize_region(image, 0, 0, image.height, image.width, width, height);
}

Image fit_within(const Image& image, int max_side) {
  const int longer = std::max(image.width, image.height);
  if (max_side <= 0 || longer <= max_side) return image;
  const double scale = static_cast<double>(max_side) / longer;
  const int width = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  return resize(image, width, height);
}

}  // namespace swag::data
