// 16-bit activation storage (doc/mixed_precision.md) for the element-wise ops, pooling, channel
// scaling, cross-entropy, image normalization, token embedding and ops::convert. For S = bf16
// and f16, inputs are drawn in f32 and rounded to S; the S op must store, bit for bit, what the
// f32 op computes on the widened inputs, rounded once to S. The squeeze-excitation composite
// rounds between its steps, so it is held to a few units of S's roundoff instead.
#include <bit>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "op_test_util.hpp"
#include "storage_test_util.hpp"
#include "swag/core/error.hpp"
#include "swag/nn/squeeze_excitation_layer.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/cross_entropy.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/normalize.hpp"
#include "swag/ops/pool.hpp"
#include "swag/ops/token_embedding.hpp"

namespace swag::test {
namespace {

// ops::convert into a new tensor: what the Convert tests test. The HalfStorage tests round and
// widen with storage_test_util.hpp's round_to and widen (core/float16.hpp's conversions).
Tensor converted(const Tensor& t, DType to) {
  Tensor r = Tensor::empty(t.shape(), to);
  ops::convert(t, r);
  return r;
}

// Uniform in [lo, hi), rounded to s: the S tensor and its exact f32 widening.
struct Input {
  Tensor s, wide;
};
Input draw(const Shape& shape, DType s, std::uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor narrow = round_to(random_tensor(shape, seed, lo, hi), s);
  return {narrow, widen(narrow)};
}

// A copy of a 16-bit host tensor (exact: widening then rounding back changes no finite value).
Tensor copy_of(const Tensor& t) {
  return round_to(widen(t), t.dtype());
}

// got (in S) equals want (f32) rounded to S, bit for bit.
void expect_rounded(const Tensor& got, const Tensor& want, const std::string& what) {
  expect_same_bits(got, round_to(want, got.dtype()), what);
}

class HalfStorage : public ::testing::TestWithParam<DType> {};

INSTANTIATE_TEST_SUITE_P(Ops, HalfStorage, ::testing::Values(DType::bf16, DType::f16),
                         [](const auto& p) { return std::string(dtype_name(p.param)); });

// An element-wise op on `inputs` same-shaped tensors, uniform in [-range, range); in-place ops
// (accumulate) start from their last input.
struct ElementwiseCase {
  const char* name;
  int inputs;
  float range;
  bool in_place;
  std::function<void(const std::vector<Tensor>&, Tensor&)> run;
};

const ElementwiseCase kElementwise[] = {
    {"relu_forward", 1, 1.0f, false,
     [](const auto& in, Tensor& out) { ops::relu_forward(in[0], out); }},
    {"relu_backward", 2, 1.0f, false,
     [](const auto& in, Tensor& out) { ops::relu_backward(in[0], in[1], out); }},
    {"sigmoid_forward", 1, 10.0f, false,
     [](const auto& in, Tensor& out) { ops::sigmoid_forward(in[0], out); }},
    {"sigmoid_backward", 2, 1.0f, false,
     [](const auto& in, Tensor& out) { ops::sigmoid_backward(in[0], in[1], out); }},
    {"gelu_forward", 1, 6.0f, false,
     [](const auto& in, Tensor& out) { ops::gelu_forward(in[0], out); }},
    {"gelu_backward", 2, 6.0f, false,
     [](const auto& in, Tensor& out) { ops::gelu_backward(in[0], in[1], out); }},
    {"tanh_forward", 1, 5.0f, false,
     [](const auto& in, Tensor& out) { ops::tanh_forward(in[0], out); }},
    {"tanh_backward", 2, 1.0f, false,
     [](const auto& in, Tensor& out) { ops::tanh_backward(in[0], in[1], out); }},
    {"add", 2, 1.0f, false,
     [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, false); }},
    {"add_relu", 2, 1.0f, false,
     [](const auto& in, Tensor& out) { ops::add_forward(in[0], in[1], out, true); }},
    {"accumulate", 2, 1.0f, true, [](const auto& in, Tensor& out) { ops::accumulate(in[0], out); }},
};

TEST_P(HalfStorage, ElementwiseOpsRoundTheF32ResultOnce) {
  const DType s = GetParam();
  const Shape shape{3, 70, 37};  // more than one 4096-element block of the GELU loops
  for (const ElementwiseCase& c : kElementwise) {
    std::vector<Tensor> narrow, wide;
    for (int k = 0; k < c.inputs; ++k) {
      Input in = draw(shape, s, 10 + k, -c.range, c.range);
      narrow.push_back(in.s);
      wide.push_back(in.wide);
    }
    Tensor out = c.in_place ? copy_of(narrow.back()) : Tensor::empty(shape, s);
    Tensor want = c.in_place ? widen(wide.back()) : Tensor::empty(shape);
    c.run(narrow, out);
    c.run(wide, want);
    expect_rounded(out, want, c.name);
  }
}

TEST_P(HalfStorage, BackwardInPlaceMatchesOutOfPlace) {
  const DType s = GetParam();
  const Input x = draw({999}, s, 20, -4.0f, 4.0f), dy = draw({999}, s, 21);
  Tensor separate = Tensor::empty({999}, s), in_place = copy_of(dy.s);
  ops::gelu_backward(x.s, dy.s, separate);
  ops::gelu_backward(x.s, in_place, in_place);
  expect_same_bits(in_place, separate, "gelu_backward in place");
}

TEST_P(HalfStorage, GlobalAveragePoolRoundsTheF32ResultOnce) {
  const DType s = GetParam();
  const Shape shape{2, 3, 5, 70};  // 70 channels: a full and a partial chunk of the sums
  const Input x = draw(shape, s, 30);
  Tensor y = Tensor::empty({2, 70}, s), want = Tensor::empty({2, 70});
  ops::global_avg_pool_forward(x.s, y);
  ops::global_avg_pool_forward(x.wide, want);
  expect_rounded(y, want, "pool forward");

  const Input dy = draw({2, 70}, s, 31), dx0 = draw(shape, s, 32);
  for (const bool accumulate : {false, true}) {
    Tensor dx = copy_of(dx0.s), dx_want = widen(dx0.wide);
    ops::global_avg_pool_backward(dy.s, dx, accumulate);
    ops::global_avg_pool_backward(dy.wide, dx_want, accumulate);
    expect_rounded(dx, dx_want, accumulate ? "pool backward, accumulate" : "pool backward");
  }
}

TEST_P(HalfStorage, ChannelScaleRoundsTheF32ResultOnce) {
  const DType s = GetParam();
  const Shape shape{2, 3, 5, 70};
  const Input x = draw(shape, s, 40), scale = draw({2, 70}, s, 41), dy = draw(shape, s, 42);
  Tensor y = Tensor::empty(shape, s), y_want = Tensor::empty(shape);
  ops::channel_scale_forward(x.s, scale.s, y);
  ops::channel_scale_forward(x.wide, scale.wide, y_want);
  expect_rounded(y, y_want, "channel_scale forward");

  Tensor dx = Tensor::empty(shape, s), dscale = Tensor::empty({2, 70}, s);
  Tensor dx_want = Tensor::empty(shape), dscale_want = Tensor::empty({2, 70});
  ops::channel_scale_backward(x.s, scale.s, dy.s, dx, dscale);
  ops::channel_scale_backward(x.wide, scale.wide, dy.wide, dx_want, dscale_want);
  expect_rounded(dx, dx_want, "channel_scale dx");
  expect_rounded(dscale, dscale_want, "channel_scale dscale");
}

TEST_P(HalfStorage, CrossEntropyMatchesTheF32OpOnWidenedLogits) {
  const DType s = GetParam();
  const std::int64_t m = 5, c = 37;
  const Input logits = draw({m, c}, s, 50, -8.0f, 8.0f);
  Tensor targets = random_tensor({m, c}, 51, 0.0f, 1.0f);
  for (std::int64_t i = 0; i < m; ++i) {  // rows summing to 1
    float sum = 0.0f;
    for (std::int64_t j = 0; j < c; ++j) sum += targets.data<float>()[i * c + j];
    for (std::int64_t j = 0; j < c; ++j) targets.data<float>()[i * c + j] /= sum;
  }
  Tensor probs = Tensor::empty({m, c}), probs_want = Tensor::empty({m, c});
  const double loss = ops::softmax_cross_entropy_forward(logits.s, targets, probs);
  const double loss_want = ops::softmax_cross_entropy_forward(logits.wide, targets, probs_want);
  EXPECT_EQ(loss, loss_want);
  expect_same_bits(probs, probs_want, "probs (f32)");

  Tensor dlogits = Tensor::empty({m, c}, s), dlogits_want = Tensor::empty({m, c});
  ops::softmax_cross_entropy_backward(probs, targets, 3.0f, dlogits);
  ops::softmax_cross_entropy_backward(probs, targets, 3.0f, dlogits_want);
  expect_rounded(dlogits, dlogits_want, "dlogits");
}

TEST_P(HalfStorage, NormalizeImagesRoundsTheF32BatchOnce) {
  const DType s = GetParam();
  const Shape shape{2, 4, 5, 3};
  Tensor pixels = Tensor::empty(shape, DType::u8);
  for (std::int64_t i = 0; i < pixels.numel(); ++i)
    pixels.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 37 % 256);
  Tensor images = Tensor::empty(shape, s), want = Tensor::empty(shape);
  ops::normalize_images(pixels, images);
  ops::normalize_images(pixels, want);
  expect_rounded(images, want, "normalize_images");
}

TEST_P(HalfStorage, TokenEmbeddingMatchesTheF32Op) {
  const DType s = GetParam();
  const std::int64_t b = 3, t = 7, d = 8;
  const Input patches = draw({b, t - 1, d}, s, 60), cls = draw({d}, s, 61),
              pos = draw({t, d}, s, 62);
  Tensor y = Tensor::empty({b, t, d}, s), y_want = Tensor::empty({b, t, d});
  ops::token_embedding_forward(patches.s, cls.s, pos.s, y);
  ops::token_embedding_forward(patches.wide, cls.wide, pos.wide, y_want);
  expect_rounded(y, y_want, "token_embedding forward");

  const Input dy = draw({b, t, d}, s, 63);
  Tensor dpatches = Tensor::empty({b, t - 1, d}, s), dcls = Tensor::empty({d}),
         dpos = Tensor::empty({t, d});
  Tensor dpatches_want = Tensor::empty({b, t - 1, d}), dcls_want = Tensor::empty({d}),
         dpos_want = Tensor::empty({t, d});
  ops::token_embedding_backward(dy.s, dpatches, dcls, dpos);
  ops::token_embedding_backward(dy.wide, dpatches_want, dcls_want, dpos_want);
  expect_rounded(dpatches, dpatches_want, "dpatches");
  expect_same_bits(dcls, dcls_want, "dclass_token (f32)");
  expect_same_bits(dpos, dpos_want, "dpos (f32)");

  Tensor cls_out = Tensor::empty({b, d}, s), cls_out_want = Tensor::empty({b, d});
  ops::class_token_output_forward(y, cls_out);
  ops::class_token_output_forward(widen(y), cls_out_want);
  expect_rounded(cls_out, cls_out_want, "class_token_output forward");
  const Input dcls_out = draw({b, d}, s, 64);
  Tensor dx = Tensor::empty({b, t, d}, s), dx_want = Tensor::empty({b, t, d});
  ops::class_token_output_backward(dcls_out.s, dx);
  ops::class_token_output_backward(dcls_out.wide, dx_want);
  expect_rounded(dx, dx_want, "class_token_output backward");
}

// The composite rounds pooled, hidden, scale and y to S (and its linear layers may add one
// rounding each): each result within a few units of S's roundoff of the f32 composite on the
// same widened inputs, relative to the largest entry.
TEST_P(HalfStorage, SqueezeExcitationIsCloseToTheF32Composite) {
  const DType s = GetParam();
  const double u = storage_roundoff(s);
  const nn::SqueezeExcitationDesc desc{2, 3, 4, 8, 3};
  const Shape shape{2, 3, 4, 8};
  const Input x = draw(shape, s, 70), w1 = draw({3, 8, 1, 1}, s, 71), b1 = draw({3}, s, 72),
              w2 = draw({8, 3, 1, 1}, s, 73), b2 = draw({8}, s, 74), dy = draw(shape, s, 75);
  const nn::SqueezeExcitationWeights w{w1.s, b1.s, w2.s, b2.s},
      w_wide{w1.wide, b1.wide, w2.wide, b2.wide};
  auto grads = [] {
    return nn::SqueezeExcitationWeights{Tensor::empty({3, 8, 1, 1}), Tensor::empty({3}),
                                        Tensor::empty({8, 3, 1, 1}), Tensor::empty({8})};
  };
  nn::SqueezeExcitationCache cache = nn::SqueezeExcitationCache::allocate(desc, Device::cpu, s);
  nn::SqueezeExcitationCache cache_wide = nn::SqueezeExcitationCache::allocate(desc, Device::cpu);
  ASSERT_EQ(cache.scale.dtype(), s);
  Tensor y = Tensor::empty(shape, s), dx = Tensor::empty(shape, s), y_want = Tensor::empty(shape),
         dx_want = Tensor::empty(shape);
  nn::SqueezeExcitationWeights g = grads(), g_want = grads();
  nn::squeeze_excitation_forward(desc, x.s, w, cache, y);
  nn::squeeze_excitation_backward(desc, x.s, w, cache, dy.s, dx, g);
  nn::squeeze_excitation_forward(desc, x.wide, w_wide, cache_wide, y_want);
  nn::squeeze_excitation_backward(desc, x.wide, w_wide, cache_wide, dy.wide, dx_want, g_want);
  const double rel = 16 * u;
  expect_close(widen(y), to_double(y_want), rel, "y");
  expect_close(widen(dx), to_double(dx_want), rel, "dx");
  expect_close(g.w1, to_double(g_want.w1), rel, "dw1");
  expect_close(g.b1, to_double(g_want.b1), rel, "db1");
  expect_close(g.w2, to_double(g_want.w2), rel, "dw2");
  expect_close(g.b2, to_double(g_want.b2), rel, "db2");

  nn::SqueezeExcitationWeights g_narrow{round_to(g.w1, s), round_to(g.b1, s), round_to(g.w2, s),
                                        round_to(g.b2, s)};
  EXPECT_THROW(nn::squeeze_excitation_backward(desc, x.s, w, cache, dy.s, dx, g_narrow), Error);
}

TEST_P(HalfStorage, MixedStorageTypesAreRejected) {
  const DType s = GetParam();
  const Shape shape{2, 3, 4, 5};
  Tensor x = Tensor::zeros(shape), y = Tensor::empty(shape, s), ys = Tensor::empty(shape, s);
  EXPECT_THROW(ops::relu_forward(x, y), Error);
  EXPECT_THROW(ops::add_forward(ys, x, ys, false), Error);
  EXPECT_THROW(ops::accumulate(x, ys), Error);
  Tensor pooled = Tensor::empty({2, 5});
  EXPECT_THROW(ops::global_avg_pool_forward(ys, pooled), Error);
  EXPECT_THROW(ops::channel_scale_forward(ys, pooled, ys), Error);
  Tensor logits = Tensor::zeros({2, 5}, s), targets = Tensor::zeros({2, 5}, s);
  Tensor probs = Tensor::empty({2, 5});
  EXPECT_THROW(ops::softmax_cross_entropy_forward(logits, targets, probs), Error);
  Tensor dy = Tensor::zeros({2, 3, 4}, s), dpatches = Tensor::empty({2, 2, 4}, s);
  Tensor dcls = Tensor::empty({4}, s), dpos = Tensor::empty({3, 4});
  EXPECT_THROW(ops::token_embedding_backward(dy, dpatches, dcls, dpos), Error);
  Tensor ints = Tensor::empty(shape, DType::i32);
  EXPECT_THROW(ops::convert(ints, y), Error);
  Tensor shorter = Tensor::empty({5}, s);
  EXPECT_THROW(ops::convert(x, shorter), Error);
}

// ops::convert: every 16-bit pattern that is not a NaN survives the round trip through f32
// and back; f32 and cross conversions round as core/float16.hpp does.
TEST(Convert, SixteenBitValuesRoundTripThroughF32) {
  for (const DType s : {DType::bf16, DType::f16}) {
    Tensor all = Tensor::empty({65536}, s);
    auto* bits = static_cast<std::uint16_t*>(all.raw());
    for (std::int64_t i = 0; i < 65536; ++i) bits[i] = static_cast<std::uint16_t>(i);
    const Tensor wide = converted(all, DType::f32), back = converted(wide, s);
    const auto* b = static_cast<const std::uint16_t*>(back.raw());
    for (std::int64_t i = 0; i < 65536; ++i) {
      const float v = wide.data<float>()[i];
      const float want = s == DType::bf16 ? to_float(bf16{bits[i]}) : to_float(f16{bits[i]});
      ASSERT_EQ(std::bit_cast<std::uint32_t>(v), std::bit_cast<std::uint32_t>(want))
          << dtype_name(s) << " " << i;
      if (!std::isnan(v)) {
        ASSERT_EQ(b[i], bits[i]) << dtype_name(s) << " " << i;
      }
    }
  }
}

TEST(Convert, RoundsAsTheSharedConversions) {
  const Tensor x = random_tensor({1000}, 80, -70000.0f, 70000.0f);
  const Tensor b = converted(x, DType::bf16), h = converted(x, DType::f16);
  const Tensor bh = converted(b, DType::f16), hb = converted(h, DType::bf16);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.data<float>()[i];
    ASSERT_EQ(b.data<bf16>()[i].bits, to_bf16(v).bits) << i;
    ASSERT_EQ(h.data<f16>()[i].bits, to_f16(v).bits) << i;
    ASSERT_EQ(bh.data<f16>()[i].bits, to_f16(to_float(to_bf16(v))).bits) << i;
    ASSERT_EQ(hb.data<bf16>()[i].bits, to_bf16(to_float(to_f16(v))).bits) << i;
  }
  expect_same_bits(converted(x, DType::f32), x, "f32 to f32");
}

TEST(Convert, KnownEncodings) {
  struct Case {
    float v;
    std::uint16_t bf16_bits, f16_bits;
  };
  const Case cases[] = {
      {1.0f, 0x3f80, 0x3c00},
      {-2.0f, 0xc000, 0xc000},
      {0.1f, 0x3dcd, 0x2e66},
      {65504.0f, 0x4780, 0x7bff},            // f16's largest finite value
      {65520.0f, 0x4780, 0x7c00},            // rounds to f16 infinity
      {0x1p-24f, 0x3380, 0x0001},            // f16's smallest subnormal
      {1.0f + 0x1p-8f, 0x3f80, 0x3c04},      // bf16 tie: to even
      {1.0f + 3 * 0x1p-8f, 0x3f82, 0x3c0c},  // bf16 tie: to even, upwards
      {1e-8f, 0x322c, 0x0000},               // below half of f16's smallest subnormal
      {-0.0f, 0x8000, 0x8000},
  };
  Tensor x = Tensor::empty({static_cast<std::int64_t>(std::size(cases))});
  for (std::size_t i = 0; i < std::size(cases); ++i) x.data<float>()[i] = cases[i].v;
  const Tensor b = converted(x, DType::bf16), h = converted(x, DType::f16);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(b.data<bf16>()[i].bits, cases[i].bf16_bits) << cases[i].v;
    EXPECT_EQ(h.data<f16>()[i].bits, cases[i].f16_bits) << cases[i].v;
  }
  Tensor nan = Tensor::empty({1});
  nan.data<float>()[0] = std::nanf("");
  EXPECT_TRUE(std::isnan(converted(converted(nan, DType::bf16), DType::f32).data<float>()[0]));
  EXPECT_TRUE(std::isnan(converted(converted(nan, DType::f16), DType::f32).data<float>()[0]));
}

}  // namespace
}  // namespace swag::test
