// conv2d against a direct 7-loop convolution in double, over strides, padding, groups
// (including depthwise), 1x1 and 3x3 kernels, with and without bias; with bf16 and f16
// activations, against the fp32 op (op_test_util.hpp, expect_storage_bound).
#include <fmt/format.h>

#include <tuple>

#include "op_test_util.hpp"
#include "storage_test_util.hpp"
#include "swag/ops/conv2d.hpp"

namespace swag::test {
namespace {

using ops::Conv2dDesc;

struct ConvArgs {
  Vec x, w, b;  // b is empty without bias
};

Vec conv_ref(const Conv2dDesc& d, const ConvArgs& a) {
  const std::int64_t oh = d.out_height(), ow = d.out_width(), k = d.kernel;
  const std::int64_t cin = d.in_channels / d.groups, cout = d.out_channels / d.groups;
  Vec y(d.batch * oh * ow * d.out_channels);
  for (std::int64_t n = 0; n < d.batch; ++n)
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j)
        for (std::int64_t o = 0; o < d.out_channels; ++o) {
          const std::int64_t g = o / cout;
          double s = a.b.empty() ? 0.0 : a.b[o];
          for (std::int64_t kh = 0; kh < k; ++kh)
            for (std::int64_t kw = 0; kw < k; ++kw) {
              const std::int64_t ih = i * d.stride - d.padding + kh;
              const std::int64_t iw = j * d.stride - d.padding + kw;
              if (ih < 0 || ih >= d.height || iw < 0 || iw >= d.width) continue;
              for (std::int64_t c = 0; c < cin; ++c)
                s += a.x[((n * d.height + ih) * d.width + iw) * d.in_channels + g * cin + c] *
                     a.w[((o * cin + c) * k + kh) * k + kw];
            }
          y[((n * oh + i) * ow + j) * d.out_channels + o] = s;
        }
  return y;
}

ConvArgs abs_of(const ConvArgs& a) {
  return {test::abs_of(a.x), test::abs_of(a.w), test::abs_of(a.b)};
}

std::string name(const Conv2dDesc& d) {
  return fmt::format("N{}_C{}to{}_{}x{}_k{}_s{}_p{}_g{}{}", d.batch, d.in_channels, d.out_channels,
                     d.height, d.width, d.kernel, d.stride, d.padding, d.groups,
                     d.bias ? "_bias" : "");
}

// N, C, O, H, W, kernel, stride, padding, groups, bias.
const Conv2dDesc kCases[] = {
    {2, 4, 6, 7, 5, 3, 1, 1, 1, true},     // 3x3, same padding, non-square
    {2, 4, 6, 8, 7, 3, 2, 1, 1, false},    // stride 2: bottom padding unreached, right one used
    {2, 5, 3, 6, 6, 1, 1, 0, 1, true},     // 1x1
    {2, 5, 7, 6, 6, 1, 1, 0, 1, false},    // 1x1 without bias: dw as one GEMM
    {2, 6, 8, 7, 6, 1, 2, 0, 1, false},    // 1x1 stride-2 shortcut (drops the last column)
    {2, 4, 6, 6, 6, 3, 1, 1, 2, true},     // 2 groups
    {2, 8, 8, 7, 7, 3, 2, 1, 4, false},    // RegNet group convolution, stride 2
    {2, 16, 16, 7, 7, 3, 2, 1, 2, false},  // groups of 8 (nChw8c copies), stride 2
    {2, 24, 24, 5, 5, 3, 1, 1, 3, true},   // groups of 8, bias
    {2, 16, 16, 2, 2, 3, 1, 1, 2, false},  // groups of 8 on 2x2: NHWC (nChw8c has only ref)
    {2, 6, 6, 6, 5, 3, 1, 1, 6, false},    // depthwise
    {1, 6, 6, 7, 7, 3, 2, 1, 6, true},     // depthwise, stride 2, bias
    {1, 3, 4, 9, 8, 5, 2, 0, 1, true},     // 5x5, no padding
    {1, 16, 16, 3, 3, 3, 1, 1, 1, true},   // wider channels (blocked oneDNN layouts)
    {2, 3, 8, 12, 12, 4, 4, 0, 1, true},   // ViT patch embedding: kernel = stride, bias
};

class Conv2d : public ::testing::TestWithParam<Conv2dDesc> {};

TEST_P(Conv2d, ForwardMatchesDirectConvolution) {
  const Conv2dDesc d = GetParam();
  const std::int64_t k = (d.in_channels / d.groups) * d.kernel * d.kernel + 1;
  // Twice with fresh tensors: the second call reuses the cached primitives on new memory.
  for (std::uint64_t seed : {1u, 2u}) {
    Tensor x = random_tensor(d.input_shape(), seed);
    Tensor w = random_tensor(d.weight_shape(), seed + 10);
    Tensor b = random_tensor({d.out_channels}, seed + 20);
    Tensor y = Tensor::empty(d.output_shape());
    ops::conv2d_forward(d, x, w, d.bias ? &b : nullptr, y);
    const ConvArgs a{to_double(x), to_double(w), d.bias ? to_double(b) : Vec{}};
    expect_sum_accuracy(y, conv_ref(d, a), conv_ref(d, abs_of(a)), k, name(d));
  }
}

TEST_P(Conv2d, BackwardMatchesCentralDifferences) {
  const Conv2dDesc d = GetParam();
  Tensor x = random_tensor(d.input_shape(), 3);
  Tensor w = random_tensor(d.weight_shape(), 4);
  Tensor b = random_tensor({d.out_channels}, 5);
  Tensor r = random_tensor(d.output_shape(), 6);  // dL/dy for L = sum(r * y)
  Tensor dx = Tensor::empty(d.input_shape()), dw = Tensor::empty(d.weight_shape());
  Tensor db = Tensor::empty({d.out_channels});
  ops::conv2d_backward(d, x, w, r, &dx, dw, d.bias ? &db : nullptr);

  ConvArgs a{to_double(x), to_double(w), d.bias ? to_double(b) : Vec{}}, abs_a = abs_of(a);
  const Vec rd = to_double(r), abs_r = test::abs_of(rd);
  auto loss = [&] { return dot(rd, conv_ref(d, a)); };
  auto abs_loss = [&] { return dot(abs_r, conv_ref(d, abs_a)); };
  // Terms per gradient entry: dx sums over (O/groups) * k * k, dw and db over N * OH * OW.
  const std::int64_t k_dx = (d.out_channels / d.groups) * d.kernel * d.kernel;
  const std::int64_t k_dw = d.batch * d.out_height() * d.out_width();
  expect_sum_accuracy(dx, numeric_gradient(a.x, loss, 0.5),
                      numeric_gradient(abs_a.x, abs_loss, 0.5), k_dx, name(d) + " dx");
  expect_sum_accuracy(dw, numeric_gradient(a.w, loss, 0.5),
                      numeric_gradient(abs_a.w, abs_loss, 0.5), k_dw, name(d) + " dw");
  if (d.bias)
    expect_sum_accuracy(db, numeric_gradient(a.b, loss, 0.5),
                        numeric_gradient(abs_a.b, abs_loss, 0.5), k_dw, name(d) + " db");

  // Without dx the weight gradients are the same.
  Tensor dw2 = Tensor::empty(d.weight_shape()), db2 = Tensor::empty({d.out_channels});
  ops::conv2d_backward(d, x, w, r, nullptr, dw2, d.bias ? &db2 : nullptr);
  EXPECT_EQ(to_double(dw2), to_double(dw)) << name(d);
  if (d.bias) {
    EXPECT_EQ(to_double(db2), to_double(db)) << name(d);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2d, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return name(p.param); });

GemmLayerRun run_conv(const Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& b,
                      const Tensor& dy) {
  GemmLayerRun r{Tensor::empty(d.output_shape(), x.dtype()), Tensor::empty(x.shape(), x.dtype()),
                 Tensor::empty(w.shape()), Tensor::empty(b.shape())};
  ops::conv2d_forward(d, x, w, d.bias ? &b : nullptr, r.y);
  ops::conv2d_backward(d, x, w, dy, &r.dx, r.dw, d.bias ? &r.db : nullptr);
  return r;
}

class Conv2dStorage : public ::testing::TestWithParam<std::tuple<Conv2dDesc, DType>> {};

TEST_P(Conv2dStorage, IsTheFp32OpOnWidenedInputsRoundedOnce) {
  const auto [d, s] = GetParam();
  const Tensor x = random_tensor(d.input_shape(), 31), w = random_tensor(d.weight_shape(), 32);
  const Tensor b = random_tensor({d.out_channels}, 33), dy = random_tensor(d.output_shape(), 34);
  const Tensor xs = round_to(x, s), ws = round_to(w, s), bs = round_to(b, s), dys = round_to(dy, s);
  const GemmLayerRun got = run_conv(d, xs, ws, bs, dys);
  const std::string what = name(d) + "_" + storage_name(s);
  expect_fp32_rounded_once(got, run_conv(d, widen(xs), widen(ws), widen(bs), widen(dys)), s, d.bias,
                           what);

  const GemmLayerRun fp32 = run_conv(d, x, w, b, dy);
  const GemmLayerRun mag = run_conv(d, abs_tensor(x), abs_tensor(w), abs_tensor(b), abs_tensor(dy));
  const std::int64_t k = d.kernel * d.kernel, k_dw = d.batch * d.out_height() * d.out_width();
  expect_storage_bound(got.y, fp32.y, mag.y, s, 3, (d.in_channels / d.groups) * k + 1,
                       what + " y vs fp32");
  expect_storage_bound(got.dx, fp32.dx, mag.dx, s, 3, (d.out_channels / d.groups) * k,
                       what + " dx vs fp32");
  expect_storage_bound(got.dw, fp32.dw, mag.dw, s, 2, k_dw, what + " dw vs fp32");
  if (d.bias) expect_storage_bound(got.db, fp32.db, mag.db, s, 1, k_dw, what + " db vs fp32");
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dStorage,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values(DType::bf16, DType::f16)),
                         [](const auto& p) {
                           return name(std::get<0>(p.param)) + "_" +
                                  storage_name(std::get<1>(p.param));
                         });

TEST(Conv2dContract, RejectsMismatchedShapes) {
  const Conv2dDesc d{1, 4, 4, 5, 5, 3, 1, 1, 1, false};
  Tensor x = Tensor::zeros(d.input_shape()), w = Tensor::zeros({4, 2, 3, 3});
  Tensor y = Tensor::empty(d.output_shape());
  EXPECT_THROW(ops::conv2d_forward(d, x, w, nullptr, y), Error);
}

TEST(Conv2dContract, RejectsMixedStorageAndA16BitWeightGradient) {
  const Conv2dDesc d{1, 4, 4, 5, 5, 3, 1, 1, 1, false};
  const Tensor x = Tensor::zeros(d.input_shape(), DType::bf16);
  const Tensor w = Tensor::zeros(d.weight_shape(), DType::bf16);
  Tensor y32 = Tensor::empty(d.output_shape());
  EXPECT_THROW(ops::conv2d_forward(d, x, w, nullptr, y32), Error);
  const Tensor dy = Tensor::zeros(d.output_shape(), DType::bf16);
  Tensor dw16 = Tensor::empty(d.weight_shape(), DType::bf16);
  EXPECT_THROW(ops::conv2d_backward(d, x, w, dy, nullptr, dw16, nullptr), Error);
}

}  // namespace
}  // namespace swag::test
