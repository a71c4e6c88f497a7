#include "swag/data/resize.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>

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

// triangle_taps(in_size, out_size), kept per thread: the loader resizes crops of a few hundred
// sizes to one side, and computing the taps cost about a third of the resize.
const Taps& cached_taps(std::unordered_map<std::int64_t, Taps>& cache, int in_size, int out_size) {
  const std::int64_t key = (static_cast<std::int64_t>(in_size) << 32) | out_size;
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, triangle_taps(in_size, out_size)).first;
  return it->second;
}

// One row of C-channel pixels filtered across into `out` (width outputs x C floats), from the
// row converted to floats once (`row`: its width x C values). Each sum runs over its taps in
// order, as the vertical pass does, so every rounding is fixed.
template <int C>
void filter_row(const float* row, const Taps& across, int width, float* out) {
  for (int x = 0; x < width; ++x) {
    const float* w = across.weights.data() + across.offset[x];
    const int n = across.offset[x + 1] - across.offset[x];
    const float* p = row + static_cast<std::ptrdiff_t>(across.first[x]) * C;
    float sum[C] = {};
    for (int t = 0; t < n; ++t)
      for (int k = 0; k < C; ++k) sum[k] += w[t] * p[t * C + k];
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
  thread_local std::unordered_map<std::int64_t, Taps> cache;
  if (cache.size() > 4096) cache.clear();  // before the look-ups: their references stay valid
  const Taps& across = cached_taps(cache, region_width, width);
  const Taps& down = cached_taps(cache, region_height, height);
  const std::size_t row = static_cast<std::size_t>(width) * c;
  // Horizontal pass into floats, then vertical pass with rounding back to 8 bits.
  const std::size_t in_row = static_cast<std::size_t>(region_width) * c;
  const auto rows = std::make_unique_for_overwrite<float[]>(region_height * row);
  const auto converted = std::make_unique_for_overwrite<float[]>(in_row);
  for (int y = 0; y < region_height; ++y) {
    const std::uint8_t* in =
        image.pixels.data() + (static_cast<std::size_t>(top + y) * image.width + left) * c;
    for (std::size_t i = 0; i < in_row; ++i) converted[i] = static_cast<float>(in[i]);
    if (c == 3)
      filter_row<3>(converted.get(), across, width, rows.get() + y * row);
    else
      filter_row<1>(converted.get(), across, width, rows.get() + y * row);
  }
  Image out = Image::blank(width, height, c);
  std::vector<float> sum(row);
  for (int y = 0; y < height; ++y) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (int t = down.offset[y]; t < down.offset[y + 1]; ++t) {
      const float w = down.weights[t];
      const float* r = rows.get() + (down.first[y] + t - down.offset[y]) * row;
      for (std::size_t i = 0; i < row; ++i) sum[i] += w * r[i];
    }
    // Sums are >= 0 (weights and pixels are): floor(s + 1/2) in double is lround(s), exactly.
    std::uint8_t* o = out.pixels.data() + y * row;
    for (std::size_t i = 0; i < row; ++i) {
      const int v = static_cast<int>(std::floor(static_cast<double>(sum[i]) + 0.5));
      o[i] = static_cast<std::uint8_t>(v < 255 ? v : 255);
    }
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
