#include "swag/train/mixup.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "swag/core/error.hpp"

namespace swag::train {
namespace {

// A key of its own, apart from the loader's and initialization's streams.
constexpr std::uint64_t kMixupStream = 0x6d69787570ull << 24;

double uniform_open(Rng& rng) {  // (0, 1)
  return (static_cast<double>(rng.next_u32()) + 0.5) / 4294967296.0;
}

void mix_rows(Tensor& t, float lambda) {
  const std::int64_t rows = t.dim(0), width = t.numel() / rows;
  float* p = t.data<float>();
  const std::vector<float> first(p, p + width);  // row 0, before row B-1 mixes with it
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* next = i + 1 < rows ? p + (i + 1) * width : first.data();
    float* row = p + i * width;
    for (std::int64_t k = 0; k < width; ++k) row[k] = lambda * row[k] + (1.0f - lambda) * next[k];
  }
}

}  // namespace

double gamma_sample(Rng& rng, double shape) {
  SWAG_CHECK(shape > 0, "gamma_sample: shape {} <= 0", shape);
  if (shape < 1.0) return gamma_sample(rng, shape + 1.0) * std::pow(uniform_open(rng), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = rng.normal(), v0 = 1.0 + c * x;
    if (v0 <= 0) continue;
    const double v = v0 * v0 * v0, u = uniform_open(rng);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

double beta_sample(Rng& rng, double alpha) {
  const double x = gamma_sample(rng, alpha), y = gamma_sample(rng, alpha);
  return x + y > 0 ? x / (x + y) : 0.5;
}

float mixup_lambda(std::uint64_t seed, std::int64_t step, int rank, double alpha) {
  Rng rng(seed, kMixupStream + (static_cast<std::uint64_t>(step) << 16) +
                    static_cast<std::uint64_t>(rank));
  return static_cast<float>(beta_sample(rng, alpha));
}

void mixup(Tensor& images, Tensor& targets, float lambda) {
  SWAG_CHECK(images.dim(0) == targets.dim(0) && images.dim(0) >= 1,
             "mixup: {} images and {} targets", images.dim(0), targets.dim(0));
  mix_rows(images, lambda);
  mix_rows(targets, lambda);
}

}  // namespace swag::train
