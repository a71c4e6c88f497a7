#include "swag/data/resize.hpp"

#include <algorithm>
#include <cmath>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// For each output coordinate, the first source index and the normalized filter weights.
struct Taps {
  std::vector<int> first;
  std::vector<std::vector<float>> weights;
};

Taps triangle_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double support = std::max(scale, 1.0);  // triangle half-width in source pixels
  Taps taps;
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(std::floor(centre - support)));
    const int hi = std::min(in_size, static_cast<int>(std::ceil(centre + support)));
    std::vector<float> w;
    double total = 0;
    for (int i = lo; i < hi; ++i) {
      const double x = std::abs((i + 0.5 - centre) / support);
      const double weight = std::max(0.0, 1.0 - x);
      w.push_back(static_cast<float>(weight));
      total += weight;
    }
    for (float& v : w) v = static_cast<float>(v / total);
    taps.first.push_back(lo);
    taps.weights.push_back(std::move(w));
  }
  return taps;
}

}  // namespace

Image resize(const Image& image, int width, int height) {
  SWAG_CHECK(width > 0 && height > 0, "resize to {}x{}", width, height);
  const int c = image.channels;
  const Taps across = triangle_taps(image.width, width), down = triangle_taps(image.height, height);
  // Horizontal pass into floats, then vertical pass with rounding back to 8 bits.
  std::vector<float> rows(static_cast<std::size_t>(image.height) * width * c);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < width; ++x)
      for (int k = 0; k < c; ++k) {
        float sum = 0;
        const auto& w = across.weights[x];
        for (std::size_t t = 0; t < w.size(); ++t)
          sum +=
              w[t] *
              image.pixels[(static_cast<std::size_t>(y) * image.width + across.first[x] + t) * c +
                           k];
        rows[(static_cast<std::size_t>(y) * width + x) * c + k] = sum;
      }
  Image out = Image::blank(width, height, c);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int k = 0; k < c; ++k) {
        float sum = 0;
        const auto& w = down.weights[y];
        for (std::size_t t = 0; t < w.size(); ++t)
          sum += w[t] * rows[((down.first[y] + t) * width + x) * c + k];
        out.pixels[(static_cast<std::size_t>(y) * width + x) * c + k] =
            static_cast<std::uint8_t>(std::clamp(std::lround(sum), 0L, 255L));
      }
  return out;
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
