// The ViT model: torchvision's initialization rules, the position-embedding resize against an
// independent bicubic reference, weights at another resolution, and the whole model's backward
// against central differences of its own forward.
#include <gtest/gtest.h>

#include <cmath>

#include "swag/core/rng.hpp"
#include "swag/nn/vision_transformer.hpp"
#include "swag/nn/weights.hpp"
#include "swag/train/forward_backward.hpp"

using namespace swag;

namespace {

struct Moments {
  double mean, std, max_abs;
};

Moments moments(const Tensor& t) {
  const float* p = t.data<float>();
  double m = 0.0, v = 0.0, mx = 0.0;
  for (std::int64_t i = 0; i < t.numel(); ++i) m += p[i] / static_cast<double>(t.numel());
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    v += (p[i] - m) * (p[i] - m) / static_cast<double>(t.numel());
    mx = std::fmax(mx, std::fabs(p[i]));
  }
  return {m, std::sqrt(v), mx};
}

void fill_random(const Tensor& t, std::uint64_t seed, float scale) {
  Rng rng(seed);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = scale * rng.uniform(-1, 1);
}

}  // namespace

TEST(VisionTransformer, InitializationFollowsTorchvision) {
  auto m = nn::create_model("vit_test", {1, 64, 10, true});
  m->allocate(3);
  const auto& p = m->params();
  for (const char* zero :
       {"class_token", "conv_proj.bias", "heads.head.weight", "heads.head.bias",
        "heads.pre_logits.bias", "encoder.layers.encoder_layer_0.self_attention.in_proj_bias",
        "encoder.layers.encoder_layer_1.self_attention.out_proj.bias", "encoder.ln.bias"})
    EXPECT_EQ(moments(p.value(zero)).max_abs, 0.0) << zero;
  EXPECT_EQ(moments(p.value("encoder.layers.encoder_layer_0.ln_1.weight")).mean, 1.0);
  // Position embedding N(0, 0.02): 65 x 32 draws, the std within 5%.
  EXPECT_NEAR(moments(p.value("encoder.pos_embedding")).std, 0.02, 0.001);
  // LeCun normal patch projection: std sqrt(1 / (3 * 8 * 8)) (the +-2 cut is 28 std away).
  EXPECT_NEAR(moments(p.value("conv_proj.weight")).std, std::sqrt(1.0 / 192), 0.003);
  EXPECT_NEAR(moments(p.value("heads.pre_logits.weight")).std, std::sqrt(1.0 / 32), 0.005);
  // Xavier uniform: bound sqrt(6 / (fan_in + fan_out)), std bound / sqrt(3).
  const double qkv_bound = std::sqrt(6.0 / (32 + 96)), fc1_bound = std::sqrt(6.0 / (32 + 64));
  const Moments qkv =
      moments(p.value("encoder.layers.encoder_layer_0.self_attention.in_proj_weight"));
  EXPECT_LE(qkv.max_abs, qkv_bound);
  EXPECT_NEAR(qkv.std, qkv_bound / std::sqrt(3.0), 0.01);
  const Moments fc1 = moments(p.value("encoder.layers.encoder_layer_1.mlp.0.weight"));
  EXPECT_LE(fc1.max_abs, fc1_bound);
  EXPECT_NEAR(fc1.std, fc1_bound / std::sqrt(3.0), 0.01);
  const Moments fc1_bias = moments(p.value("encoder.layers.encoder_layer_1.mlp.0.bias"));
  EXPECT_GT(fc1_bias.max_abs, 0.0);
  EXPECT_LT(fc1_bias.max_abs, 1e-5);  // N(0, 1e-6)
}

namespace {

// Keys' cubic convolution kernel with a = -0.75 (PyTorch's bicubic), in double.
double keys(double x) {
  constexpr double a = -0.75;
  x = std::fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

// Bicubic resize of a [g0, g0, D] grid to [g, g, D] with align_corners=True: output i samples
// source coordinate i (g0 - 1) / (g - 1); taps beyond the border repeat the edge value.
std::vector<double> bicubic_ref(const float* src, std::int64_t g0, std::int64_t g, std::int64_t d) {
  std::vector<double> out(g * g * d, 0.0);
  auto coord = [&](std::int64_t i) { return g > 1 ? double(i) * (g0 - 1) / (g - 1) : 0.0; };
  auto clamp = [&](std::int64_t i) { return std::min(std::max(i, std::int64_t{0}), g0 - 1); };
  for (std::int64_t y = 0; y < g; ++y)
    for (std::int64_t x = 0; x < g; ++x) {
      const double sy = coord(y), sx = coord(x);
      const auto fy = static_cast<std::int64_t>(std::floor(sy));
      const auto fx = static_cast<std::int64_t>(std::floor(sx));
      for (std::int64_t ty = fy - 1; ty <= fy + 2; ++ty)
        for (std::int64_t tx = fx - 1; tx <= fx + 2; ++tx) {
          const double w = keys(sy - ty) * keys(sx - tx);
          for (std::int64_t c = 0; c < d; ++c)
            out[(y * g + x) * d + c] += w * src[(clamp(ty) * g0 + clamp(tx)) * d + c];
        }
    }
  return out;
}

}  // namespace

TEST(PositionEmbeddingResize, MatchesBicubicReference) {
  constexpr std::int64_t d = 5;
  for (const auto& [g0, g] :
       {std::pair{4, 6}, std::pair{6, 4}, std::pair{14, 24}, std::pair{3, 3}}) {
    Tensor stored = Tensor::empty({1, 1 + g0 * g0, d}), resized = Tensor::empty({1, 1 + g * g, d});
    fill_random(stored, 7, 1.0f);
    nn::resize_position_embedding(stored, resized);
    const float* s = stored.data<float>();
    const float* r = resized.data<float>();
    for (std::int64_t c = 0; c < d; ++c) EXPECT_EQ(r[c], s[c]) << "class token row";
    const std::vector<double> want = bicubic_ref(s + d, g0, g, d);
    // 16 weights of magnitude <= 1.1 times values <= 1: a few tens of u.
    for (std::size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(r[d + i], want[i], 4e-6) << g0 << " -> " << g << " at " << i;
    for (std::int64_t c = 0; c < d; ++c) EXPECT_EQ(r[d + c], s[d + c]) << "corner (0, 0)";
  }
}

TEST(PositionEmbeddingResize, RejectsNonSquareGrids) {
  Tensor stored = Tensor::empty({1, 1 + 12, 5}), resized = Tensor::empty({1, 1 + 16, 5});
  try {
    nn::resize_position_embedding(stored, resized);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input) << e.what();
  }
}

TEST(VisionTransformer, WeightsAtAnotherResolution) {
  const std::string path = testing::TempDir() + "/vit_test_32.h5";
  auto a = nn::create_model("vit_test", {1, 32, 5});
  a->allocate(1);
  fill_random(a->params().flat_values(), 2, 0.5f);
  nn::save_weights(path, *a);
  EXPECT_FALSE(nn::read_weights_header(path).pre_logits);

  auto b = nn::create_model("vit_test", {2, 48, 5});
  b->allocate(0);
  try {
    nn::load_weights(path, *b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find("--resolution"), std::string::npos) << e.what();
  }
  nn::load_weights(path, *b, /*adapt_resolution=*/true);
  for (const auto& e : a->params().entries()) {
    const Tensor want = a->params().value(e.name), got = b->params().value(e.name);
    if (e.name == "encoder.pos_embedding") {
      Tensor resized = Tensor::empty({1, 37, 32});
      nn::resize_position_embedding(want, resized);
      ASSERT_EQ(got.shape(), resized.shape());
      EXPECT_EQ(0, std::memcmp(got.raw(), resized.raw(), resized.nbytes()));
    } else {
      EXPECT_EQ(0, std::memcmp(got.raw(), want.raw(), want.nbytes())) << e.name;
    }
  }
}

// Every parameter tensor, two entries each: the analytic gradient of the soft-target loss
// against central differences of the float model (step 1e-2 on weights of size ~0.3, so the
// truncation error ~1e-4 * f''' and the loss's float rounding ~1e-7 / 1e-2 stay below 1e-4).
TEST(VisionTransformer, BackwardMatchesCentralDifferences) {
  for (const bool pre_logits : {false, true}) {
    auto m = nn::create_model("vit_test", {2, 16, 3, pre_logits});
    m->allocate(0);
    fill_random(m->params().flat_values(), 5, 0.3f);
    Tensor images = Tensor::empty(m->input_shape()), targets = Tensor::zeros({2, 3});
    fill_random(images, 6, 1.0f);
    targets.data<float>()[0] = 1.0f;
    targets.data<float>()[4] = 0.5f;
    targets.data<float>()[5] = 0.5f;
    train::ForwardBackward step(*m);
    step.run(*m, images, targets);
    const Tensor grads = m->params().flat_grads();
    std::vector<float> analytic(grads.data<float>(), grads.data<float>() + grads.numel());
    for (const auto& e : m->params().entries()) {
      const std::int64_t n = shape_numel(e.shape);
      for (const std::int64_t j : {std::int64_t{0}, n / 2 + 1 < n ? n / 2 + 1 : n - 1}) {
        float& w = m->params().flat_values().data<float>()[e.offset + j];
        const float w0 = w, h = 1e-2f;
        w = w0 + h;
        const double up = step.run(*m, images, targets);
        w = w0 - h;
        const double down = step.run(*m, images, targets);
        w = w0;
        const double fd = (up - down) / (2.0 * h);
        EXPECT_NEAR(analytic[e.offset + j], fd, 2e-4 + 2e-3 * std::fabs(fd))
            << e.name << "[" << j << "] pre_logits " << pre_logits;
      }
    }
  }
}
