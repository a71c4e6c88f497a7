// The GPU math modes: convolution, linear and attention in tf32 and bf16 against the CPU op,
// fp32 again bitwise after a switch, and the mode reaching cuDNN and cuBLASLt. Tolerances:
// doc/gpu.md, "Tolerances of the GPU tests".
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "../ops/layer_reference.hpp"
#include "parity.hpp"
#include "swag/ops/attention.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/linear.hpp"
#include "swag/ops/math_mode.hpp"

using namespace swag;
using swag::ops::MathMode;
using swag::test::abs_of;
using swag::test::expect_within;
using swag::test::LayerResult;
using swag::test::random_tensor;

namespace {

constexpr double kU = 0x1p-24;  // fp32's unit roundoff
const MathMode kTensorCoreModes[] = {MathMode::tf32, MathMode::bf16};

// The unit roundoff of a product's inputs in `mode` (0: fp32, exact products).
double product_roundoff(MathMode mode) {
  switch (mode) {
    case MathMode::tf32: return 0x1p-11;
    case MathMode::bf16: return 0x1p-8;
    case MathMode::fp32: break;
  }
  return 0.0;
}

// cuDNN runs bf16 mode's convolutions in TF32.
double conv_roundoff(MathMode mode) {
  return mode == MathMode::fp32 ? 0.0 : product_roundoff(MathMode::tf32);
}

std::string name_of(MathMode mode) {
  return std::string(ops::math_mode_name(mode));
}

using test::MathScope;

// Per element allowed |gpu - cpu|: (8 u_m + 4 n u) * magnitude.
Tensor product_bound(const Tensor& magnitude, std::int64_t terms, double um) {
  Tensor b = Tensor::empty(magnitude.shape());
  const double factor = 8.0 * um + 4.0 * static_cast<double>(terms) * kU;
  for (std::int64_t i = 0; i < b.numel(); ++i)
    b.data<float>()[i] = static_cast<float>(factor * magnitude.data<float>()[i]);
  return b;
}

// The largest |gpu - cpu| / allowed (NaN counts as infinite).
double worst_ratio(const Tensor& gpu, const Tensor& cpu, const Tensor& allowed) {
  const Tensor g = cuda::to_host(gpu);
  double worst = 0.0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const double diff = std::fabs(double{g.data<float>()[i]} - cpu.data<float>()[i]);
    const double limit = allowed.data<float>()[i];
    const double ratio = std::isnan(diff) ? HUGE_VAL : diff / (limit > 0 ? limit : 1e-300);
    worst = std::max(worst, ratio);
  }
  return worst;
}

// The fp32 results after the tensor-core modes, bitwise those from before them.
void expect_fp32_comes_back_bitwise(const LayerResult& after, const LayerResult& before,
                                    bool bias) {
  test::expect_bitwise_equal("fp32 y after tf32 and bf16", after.y, before.y);
  test::expect_bitwise_equal("fp32 dx after tf32 and bf16", after.dx, before.dx);
  test::expect_bitwise_equal("fp32 dw after tf32 and bf16", after.dw, before.dw);
  if (bias) test::expect_bitwise_equal("fp32 db after tf32 and bf16", after.db, before.db);
}

// ---- Convolution -------------------------------------------------------------------------------

using test::ConvCase;
const auto& kConvCases = test::kMathModeConvCases;

class Conv2dMathModes : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dMathModes, TensorCoreModesMatchTheCpuAndFp32ComesBackBitwise) {
  ASSERT_EQ(ops::math_mode(), MathMode::fp32);
  const ops::Conv2dDesc& d = GetParam().d;
  const Tensor x = random_tensor(d.input_shape(), 1), w = random_tensor(d.weight_shape(), 2);
  const Tensor b = random_tensor({d.out_channels}, 3), dy = random_tensor(d.output_shape(), 4);
  const LayerResult ref = test::conv2d_cpu(d, x, w, b, dy);
  const LayerResult mag = test::conv2d_cpu(d, abs_of(x), abs_of(w), abs_of(b), abs_of(dy));

  const Tensor gx = cuda::to_device(x), gw = cuda::to_device(w), gb = cuda::to_device(b);
  const Tensor gdy = cuda::to_device(dy);
  const auto gpu = [&] {
    LayerResult r{test::device_garbage(d.output_shape()), test::device_garbage(d.input_shape()),
                  test::device_garbage(d.weight_shape()), test::device_garbage({d.out_channels})};
    ops::conv2d_forward(d, gx, gw, d.bias ? &gb : nullptr, r.y);
    ops::conv2d_backward(d, gx, gw, gdy, &r.dx, r.dw, d.bias ? &r.db : nullptr);
    return r;
  };
  const LayerResult before = gpu();  // fp32

  const std::int64_t taps = std::int64_t{d.kernel} * d.kernel;
  const std::int64_t positions = d.batch * d.out_height() * d.out_width();
  for (const MathMode mode : kTensorCoreModes) {
    const MathScope scope(mode);
    const LayerResult r = gpu();
    const double um = conv_roundoff(mode);
    const std::string m = name_of(mode) + " ";
    expect_within(m + "y", r.y, ref.y,
                  product_bound(mag.y, d.in_channels / d.groups * taps + 1, um));
    expect_within(m + "dx", r.dx, ref.dx,
                  product_bound(mag.dx, d.out_channels / d.groups * taps, um));
    expect_within(m + "dw", r.dw, ref.dw, product_bound(mag.dw, positions, um));
    // The bias gradient is a hand-written fp32 reduction in every mode.
    if (d.bias) test::expect_close(m + "db", r.db, ref.db, mag.db, positions);
  }

  ASSERT_EQ(ops::math_mode(), MathMode::fp32);
  const LayerResult after = gpu();
  expect_fp32_comes_back_bitwise(after, before, d.bias);
}

INSTANTIATE_TEST_SUITE_P(Cuda, Conv2dMathModes, ::testing::ValuesIn(kConvCases),
                         [](const auto& c) { return std::string(c.param.name); });

// ---- Linear ------------------------------------------------------------------------------------

struct LinearCase {
  const char* name;
  ops::LinearDesc d;  // rows, in, out features, bias
};

const LinearCase kLinearCases[] = {
    {"small_bias", {7, 13, 5, true}},  // rows of 13 floats: operands aligned to 4 bytes only
    {"square_no_bias", {64, 128, 96, false}},
    {"classifier_bias", {33, 257, 1000, true}},
};

class LinearMathModes : public ::testing::TestWithParam<LinearCase> {};

TEST_P(LinearMathModes, TensorCoreModesMatchTheCpuAndFp32ComesBackBitwise) {
  ASSERT_EQ(ops::math_mode(), MathMode::fp32);
  const ops::LinearDesc& d = GetParam().d;
  const Tensor x = random_tensor({d.rows, d.in_features}, 1);
  const Tensor w = random_tensor({d.out_features, d.in_features}, 2);
  const Tensor b = random_tensor({d.out_features}, 3),
               dy = random_tensor({d.rows, d.out_features}, 4);
  const LayerResult ref = test::linear_cpu(d, x, w, b, dy);
  const LayerResult mag = test::linear_cpu(d, abs_of(x), abs_of(w), abs_of(b), abs_of(dy));

  const Tensor gx = cuda::to_device(x), gw = cuda::to_device(w), gb = cuda::to_device(b);
  const Tensor gdy = cuda::to_device(dy);
  const auto gpu = [&] {
    LayerResult r{test::device_garbage({d.rows, d.out_features}),
                  test::device_garbage({d.rows, d.in_features}),
                  test::device_garbage({d.out_features, d.in_features}),
                  test::device_garbage({d.out_features})};
    ops::linear_forward(d, gx, gw, d.bias ? &gb : nullptr, r.y);
    ops::linear_backward(d, gx, gw, gdy, &r.dx, r.dw, d.bias ? &r.db : nullptr);
    return r;
  };
  const LayerResult before = gpu();  // fp32

  for (const MathMode mode : kTensorCoreModes) {
    const MathScope scope(mode);
    const LayerResult r = gpu();
    const double um = product_roundoff(mode);
    const std::string m = name_of(mode) + " ";
    expect_within(m + "y", r.y, ref.y, product_bound(mag.y, d.in_features + 1, um));
    expect_within(m + "dx", r.dx, ref.dx, product_bound(mag.dx, d.out_features, um));
    expect_within(m + "dw", r.dw, ref.dw, product_bound(mag.dw, d.rows, um));
    if (d.bias) test::expect_close(m + "db", r.db, ref.db, mag.db, d.rows);
  }

  ASSERT_EQ(ops::math_mode(), MathMode::fp32);
  const LayerResult after = gpu();
  expect_fp32_comes_back_bitwise(after, before, d.bias);
}

INSTANTIATE_TEST_SUITE_P(Cuda, LinearMathModes, ::testing::ValuesIn(kLinearCases),
                         [](const auto& c) { return std::string(c.param.name); });

// ---- Attention forward -------------------------------------------------------------------------

struct AttentionCase {
  const char* name;
  ops::AttentionDesc d;  // batch, tokens, dim, heads
  float range;           // qkv uniform in [-range, range)
};

const AttentionCase kAttentionCases[] = {
    {"odd", {3, 37, 45, 5}, 1.0f},  // head_dim 9, head views aligned to 4 bytes only
    {"vit_like", {2, 65, 256, 4}, 2.0f},
};

struct AttentionBounds {
  Tensor probs, context;
};

// The bounds at the top of this file, from the inputs and the CPU's probabilities; um = 0 gives
// the fp32 bounds (test_attention.cpp's, up to expm1).
AttentionBounds attention_bounds(const ops::AttentionDesc& d, const Tensor& qkv,
                                 const Tensor& probs, double um) {
  const std::int64_t t = d.tokens, dim = d.dim, hd = d.head_dim(), ld = 3 * dim;
  const double s = 1.0f / std::sqrt(static_cast<float>(hd));
  AttentionBounds out{Tensor::zeros(probs.shape()), Tensor::zeros({d.batch, t, dim})};
  const float* x = qkv.data<float>();
  std::vector<double> logit(t * t), a(t * t);
  for (std::int64_t bh = 0; bh < d.batch * d.heads; ++bh) {
    const std::int64_t n = bh / d.heads, h = bh % d.heads;
    const auto q = [&](std::int64_t i, std::int64_t c) { return x[(n * t + i) * ld + h * hd + c]; };
    const auto k = [&](std::int64_t i, std::int64_t c) { return q(i, dim + c); };
    const auto v = [&](std::int64_t i, std::int64_t c) { return q(i, 2 * dim + c); };
    const float* p = probs.data<float>() + bh * t * t;
    float* bp = out.probs.data<float>() + bh * t * t;
    for (std::int64_t i = 0; i < t; ++i)
      for (std::int64_t j = 0; j < t; ++j) {
        double l = 0, m = 0;
        for (std::int64_t c = 0; c < hd; ++c) {
          l += double{q(i, c)} * k(j, c);
          m += std::fabs(double{q(i, c)} * k(j, c));
        }
        logit[i * t + j] = s * l;
        a[i * t + j] = (8.0 * um + 4.0 * static_cast<double>(hd) * kU) * s * m;
      }
    for (std::int64_t i = 0; i < t; ++i) {
      const double* li = &logit[i * t];
      const double mx = *std::max_element(li, li + t);
      double err = 0.0;
      for (std::int64_t j = 0; j < t; ++j) err = std::max(err, a[i * t + j] + kU * (mx - li[j]));
      const double rel = std::expm1(2.0 * err) + static_cast<double>(t + 16) * kU;
      for (std::int64_t j = 0; j < t; ++j) bp[i * t + j] = static_cast<float>(rel * p[i * t + j]);
      float* bc = out.context.data<float>() + (n * t + i) * dim + h * hd;
      for (std::int64_t c = 0; c < hd; ++c) {
        double pv = 0.0;
        for (std::int64_t j = 0; j < t; ++j) pv += p[i * t + j] * std::fabs(v(j, c));
        bc[c] = static_cast<float>((rel + 8.0 * um + 4.0 * static_cast<double>(t) * kU) * pv);
      }
    }
  }
  return out;
}

Tensor scaled_qkv(const ops::AttentionDesc& d, float range, std::uint64_t seed) {
  Tensor qkv = random_tensor({d.batch, d.tokens, 3 * d.dim}, seed);
  for (std::int64_t i = 0; i < qkv.numel(); ++i) qkv.data<float>()[i] *= range;
  return qkv;
}

class AttentionMathModes : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(AttentionMathModes, TensorCoreModesMatchTheCpuAndFp32ComesBackBitwise) {
  ASSERT_EQ(ops::math_mode(), MathMode::fp32);
  const ops::AttentionDesc& d = GetParam().d;
  const Shape out_shape{d.batch, d.tokens, d.dim},
      probs_shape{d.batch, d.heads, d.tokens, d.tokens};
  const Tensor qkv = scaled_qkv(d, GetParam().range, 80);
  Tensor probs = Tensor::empty(probs_shape), context = Tensor::empty(out_shape);
  ops::attention_forward(d, qkv, probs, context);

  const Tensor gqkv = cuda::to_device(qkv);
  const auto gpu = [&] {
    std::pair r{test::device_garbage(probs_shape), test::device_garbage(out_shape)};
    ops::attention_forward(d, gqkv, r.first, r.second);
    return r;
  };
  const auto before = gpu();  // fp32

  for (const MathMode mode : kTensorCoreModes) {
    const MathScope scope(mode);
    const auto [gprobs, gcontext] = gpu();
    const AttentionBounds bound = attention_bounds(d, qkv, probs, product_roundoff(mode));
    expect_within(name_of(mode) + " probs", gprobs, probs, bound.probs);
    expect_within(name_of(mode) + " context", gcontext, context, bound.context);
  }

  ASSERT_EQ(ops::math_mode(), MathMode::fp32);
  const auto after = gpu();
  test::expect_bitwise_equal("fp32 probs after tf32 and bf16", after.first, before.first);
  test::expect_bitwise_equal("fp32 context after tf32 and bf16", after.second, before.second);
}

INSTANTIATE_TEST_SUITE_P(Cuda, AttentionMathModes, ::testing::ValuesIn(kAttentionCases),
                         [](const auto& c) { return std::string(c.param.name); });

// ---- The mode is in effect ---------------------------------------------------------------------
//
// Random inputs carry about 23 significant bits, so rounding them to TF32 or bf16 moves each
// product by ~2^-12 or ~2^-9 of itself, errors that add up as sqrt(n) while the fp32 bound grows
// as n. For short sums the tensor-core result must therefore leave the fp32 bound (4 n u |a||b|)
// far behind, whereas fp32 mode stays inside it: a NumPy model of these shapes (inputs rounded
// to nearest or truncated) puts the worst element at 35-90 times the fp32 bound for TF32 and
// 300-800 for bf16, and at 0.07-0.19 of the modes' own bounds above. Were the mode lost on the
// way to cuDNN or cuBLASLt, the tensor-core modes would stay inside too. The shapes are aligned
// and large enough for the libraries to prefer tensor-core kernels.
constexpr double kMustExceed = 4.0;

void expect_mode_in_effect(const std::string& what, const std::vector<double>& ratios) {
  // ratios: fp32, tf32, bf16 worst |gpu - cpu| / fp32 bound.
  std::printf("  %s: worst |gpu - cpu| / fp32 bound: fp32 %.3g, tf32 %.3g, bf16 %.3g\n",
              what.c_str(), ratios[0], ratios[1], ratios[2]);
  EXPECT_LE(ratios[0], 1.0) << what << ": fp32 mode outside the fp32 bound";
  EXPECT_GT(ratios[1], kMustExceed) << what << ": tf32 mode looks like fp32 arithmetic";
  EXPECT_GT(ratios[2], kMustExceed) << what << ": bf16 mode looks like fp32 arithmetic";
}

const MathMode kAllModes[] = {MathMode::fp32, MathMode::tf32, MathMode::bf16};

TEST(MathModeCuda, ModesReachCublasLtForLinear) {
  const ops::LinearDesc d{512, 32, 256, false};
  const Tensor x = random_tensor({d.rows, d.in_features}, 11);
  const Tensor w = random_tensor({d.out_features, d.in_features}, 12);
  Tensor y = Tensor::empty({d.rows, d.out_features}), mag = Tensor::empty(y.shape());
  ops::linear_forward(d, x, w, nullptr, y);
  ops::linear_forward(d, abs_of(x), abs_of(w), nullptr, mag);
  const Tensor fp32_bound = product_bound(mag, d.in_features, 0.0);
  const Tensor gx = cuda::to_device(x), gw = cuda::to_device(w);
  std::vector<double> ratios;
  for (const MathMode mode : kAllModes) {
    const MathScope scope(mode);
    Tensor gy = test::device_garbage(y.shape());
    ops::linear_forward(d, gx, gw, nullptr, gy);
    ratios.push_back(worst_ratio(gy, y, fp32_bound));
  }
  expect_mode_in_effect("linear y", ratios);
}

TEST(MathModeCuda, ModesReachCudnnForConvolutions) {
  const ops::Conv2dDesc d{4, 32, 128, 16, 16, 1, 1, 0, 1, false};
  const Tensor x = random_tensor(d.input_shape(), 21), w = random_tensor(d.weight_shape(), 22);
  Tensor y = Tensor::empty(d.output_shape()), mag = Tensor::empty(d.output_shape());
  ops::conv2d_forward(d, x, w, nullptr, y);
  ops::conv2d_forward(d, abs_of(x), abs_of(w), nullptr, mag);
  const Tensor fp32_bound = product_bound(mag, d.in_channels, 0.0);
  const Tensor gx = cuda::to_device(x), gw = cuda::to_device(w);
  std::vector<double> ratios;
  for (const MathMode mode : kAllModes) {
    const MathScope scope(mode);
    Tensor gy = test::device_garbage(y.shape());
    ops::conv2d_forward(d, gx, gw, nullptr, gy);
    ratios.push_back(worst_ratio(gy, y, fp32_bound));
  }
  expect_mode_in_effect("conv2d y", ratios);
}

TEST(MathModeCuda, ModesReachCublasLtForAttention) {
  // head_dim 64 and 128 tokens: products large enough for cuBLASLt to prefer tensor-core kernels
  // (for 64 x 64 x 16 it may keep fp32 ones, and the mode could not show).
  const ops::AttentionDesc d{4, 128, 512, 8};
  const Tensor qkv = scaled_qkv(d, 1.0f, 31);
  const Shape probs_shape{d.batch, d.heads, d.tokens, d.tokens};
  Tensor probs = Tensor::empty(probs_shape), context = Tensor::empty({d.batch, d.tokens, d.dim});
  ops::attention_forward(d, qkv, probs, context);
  const Tensor fp32_bound = attention_bounds(d, qkv, probs, 0.0).probs;
  const Tensor gqkv = cuda::to_device(qkv);
  std::vector<double> ratios;
  for (const MathMode mode : kAllModes) {
    const MathScope scope(mode);
    Tensor gprobs = test::device_garbage(probs_shape);
    Tensor gcontext = test::device_garbage(context.shape());
    ops::attention_forward(d, gqkv, gprobs, gcontext);
    ratios.push_back(worst_ratio(gprobs, probs, fp32_bound));
  }
  expect_mode_in_effect("attention probs", ratios);
}

TEST(MathModeCuda, NamesParseAndUnknownOnesAreAUsageError) {
  EXPECT_EQ(ops::parse_math_mode("fp32"), MathMode::fp32);
  EXPECT_EQ(ops::parse_math_mode("tf32"), MathMode::tf32);
  EXPECT_EQ(ops::parse_math_mode("bf16"), MathMode::bf16);
  try {
    ops::parse_math_mode("fp16");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("fp32, tf32 or bf16"), std::string::npos) << e.what();
  }
}

}  // namespace
