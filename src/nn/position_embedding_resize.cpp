// Bicubic resampling as PyTorch's CPU upsample_bicubic2d computes it in float: Keys' cubic
// convolution with A = -0.75, source coordinate x_out * (in - 1) / (out - 1) (align_corners),
// taps at floor(x) - 1 .. floor(x) + 2 clamped to the grid, rows interpolated first and the
// four row results combined with the vertical weights, each sum in tap order.
#include "swag/nn/position_embedding_resize.hpp"

#include <array>
#include <cmath>
#include <vector>

namespace swag::nn {
namespace {

struct Taps {
  std::array<std::int64_t, 4> index;
  std::array<float, 4> weight;
};

float cubic_near(float x, float a) {  // |x| <= 1
  return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
}
float cubic_far(float x, float a) {  // 1 < |x| < 2
  return ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
}

std::vector<Taps> taps(std::int64_t in, std::int64_t out) {
  constexpr float kA = -0.75f;
  const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  std::vector<Taps> result(static_cast<std::size_t>(out));
  for (std::int64_t i = 0; i < out; ++i) {
    const float real = scale * static_cast<float>(i);
    const std::int64_t base = std::min(static_cast<std::int64_t>(std::floor(real)), in - 1);
    const float t = std::min(std::max(real - static_cast<float>(base), 0.0f), 1.0f);
    Taps& tp = result[static_cast<std::size_t>(i)];
    tp.weight = {cubic_far(t + 1.0f, kA), cubic_near(t, kA), cubic_near(1.0f - t, kA),
                 cubic_far(2.0f - t, kA)};
    for (std::int64_t k = 0; k < 4; ++k)
      tp.index[k] = std::min(std::max(base - 1 + k, std::int64_t{0}), in - 1);
  }
  return result;
}

std::int64_t grid_side(std::int64_t tokens) {
  const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(tokens))));
  return side * side == tokens ? side : -1;
}

}  // namespace

void resize_position_embedding(const Tensor& stored, Tensor& resized) {
  SWAG_CHECK(resized.rank() == 3 && resized.dim(0) == 1 && resized.dim(1) >= 2,
             "position embedding of shape {}", shape_str(resized.shape()));
  const std::int64_t dim = resized.dim(2);
  if (stored.rank() != 3 || stored.dim(0) != 1 || stored.dim(2) != dim || stored.dim(1) < 2 ||
      grid_side(stored.dim(1) - 1) < 0)
    fail(ExitCode::input,
         "position embedding of shape {} is not [1, 1 + g*g, {}] for a square grid of g*g patches",
         shape_str(stored.shape()), dim);
  const std::int64_t in = grid_side(stored.dim(1) - 1), out = grid_side(resized.dim(1) - 1);
  SWAG_CHECK(out > 0, "position embedding of shape {} has no square grid",
             shape_str(resized.shape()));
  const float* src = stored.data<float>();
  float* dst = resized.data<float>();
  for (std::int64_t c = 0; c < dim; ++c) dst[c] = src[c];  // the class token's row
  src += dim;
  dst += dim;
  const std::vector<Taps> t = taps(in, out);
  std::vector<float> row(static_cast<std::size_t>(dim));
  for (std::int64_t y = 0; y < out; ++y)
    for (std::int64_t x = 0; x < out; ++x) {
      const Taps& ty = t[static_cast<std::size_t>(y)];
      const Taps& tx = t[static_cast<std::size_t>(x)];
      float* o = dst + (y * out + x) * dim;
      for (int ky = 0; ky < 4; ++ky) {
        const float* line = src + ty.index[ky] * in * dim;
        for (std::int64_t c = 0; c < dim; ++c) {
          float v = line[tx.index[0] * dim + c] * tx.weight[0];
          for (int kx = 1; kx < 4; ++kx) v += line[tx.index[kx] * dim + c] * tx.weight[kx];
          row[c] = v;
        }
        for (std::int64_t c = 0; c < dim; ++c)
          o[c] = ky == 0 ? row[c] * ty.weight[0] : o[c] + row[c] * ty.weight[ky];
      }
    }
}

}  // namespace swag::nn
