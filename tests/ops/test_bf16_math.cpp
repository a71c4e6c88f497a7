// bf16 math on the CPU (run.math = bf16, ops/math_mode.hpp): convolutions and linear layers
// against the fp32 op, per output within the bound derived in doc/engine.md ("Math modes"),
// not bitwise the fp32 result (the mode does something), and fp32 bitwise again after it.
// On a CPU without bf16 instructions (or with DNNL_MAX_CPU_ISA below them) each case checks
// instead that the mode is refused, naming what the CPU lacks.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "layer_reference.hpp"
#include "op_test_util.hpp"
#include "storage_test_util.hpp"
#include "swag/core/error.hpp"

namespace swag::test {
namespace {

using ops::MathMode;

// |bf16 - fp32| <= (2 u_b + u_b^2 + 2 gamma_k (1 + u_b)^2) (1 + gamma_k) |a||b| per output, k
// the terms it sums and |a||b| the fp32 op on absolute values (doc/engine.md, "Math modes").
void expect_bf16_bound(const Tensor& got, const Tensor& fp32, const Tensor& magnitude,
                       std::int64_t k, const std::string& what) {
  const double ub = 0x1p-8, g = gamma(k);
  const double factor = (2 * ub + ub * ub + 2 * g * (1 + ub) * (1 + ub)) * (1 + g);
  Vec tol = to_double(magnitude);
  for (double& t : tol) t *= factor;
  expect_within(got, to_double(fp32), tol, what);
}

// Whether this CPU runs bf16 math; if not, checks that setting it fails as documented.
bool runs_bf16_math() {
  const std::string missing = ops::cpu_bf16_missing();
  if (missing.empty()) return true;
  try {
    ops::set_math_mode(MathMode::bf16);
    ops::set_math_mode(MathMode::fp32);
    ADD_FAILURE() << "bf16 math accepted on a CPU that lacks it: " << missing;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("no bf16 instructions"), std::string::npos) << e.what();
  }
  return false;
}

// The bf16 result is not the fp32 one: some output differs.
void expect_not_bitwise(const Tensor& got, const Tensor& fp32, const std::string& what) {
  std::int64_t differ = 0;
  for (std::int64_t i = 0; i < got.numel(); ++i)
    differ += got.data<float>()[i] != fp32.data<float>()[i];
  EXPECT_GT(differ, 0) << what << ": bf16 math gave the fp32 result bit for bit";
}

// Runs `layer` in fp32, on absolute values, in bf16 and in fp32 again; checks the bound on
// every output (terms: y, dx, dw, db), the difference, and fp32 coming back bitwise.
template <class Layer>
void check_layer(const Layer& layer, const Tensor& x, const Tensor& w, const Tensor& b,
                 const Tensor& dy, const std::int64_t (&terms)[4], bool bias) {
  const LayerResult fp32 = layer(x, w, b, dy);
  const LayerResult mag = layer(abs_tensor(x), abs_tensor(w), abs_tensor(b), abs_tensor(dy));
  LayerResult bf16;
  {
    const MathScope scope(MathMode::bf16);
    bf16 = layer(x, w, b, dy);
  }
  const LayerResult again = layer(x, w, b, dy);
  const Tensor LayerResult::*outputs[] = {&LayerResult::y, &LayerResult::dx, &LayerResult::dw,
                                          &LayerResult::db};
  const char* names[] = {"y", "dx", "dw", "db"};
  for (int i = 0; i < (bias ? 4 : 3); ++i) {
    const auto out = outputs[i];
    expect_bf16_bound(bf16.*out, fp32.*out, mag.*out, terms[i], names[i]);
    if (i < 3) expect_not_bitwise(bf16.*out, fp32.*out, names[i]);
    expect_same_bits(again.*out, fp32.*out, std::string("fp32 after bf16: ") + names[i]);
  }
}

// The math-mode convolutions: 3x3, strided grouped, depthwise, 1x1.
const auto& kConvCases = kMathModeConvCases;

class Bf16Conv2d : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Bf16Conv2d, WithinTheBoundOfBf16ProductsAndNotFp32) {
  if (!runs_bf16_math()) return;
  const ops::Conv2dDesc& d = GetParam().d;
  const Tensor x = random_tensor(d.input_shape(), 1), w = random_tensor(d.weight_shape(), 2);
  const Tensor b = random_tensor({d.out_channels}, 3), dy = random_tensor(d.output_shape(), 4);
  const std::int64_t kk = std::int64_t{d.kernel} * d.kernel;
  const std::int64_t pixels = d.batch * d.out_height() * d.out_width();
  // y: a window of in/groups channels, plus the bias; dx: out/groups channels' windows; dw and
  // db: every output pixel of the batch.
  const std::int64_t terms[4] = {d.in_channels / d.groups * kk + 1, d.out_channels / d.groups * kk,
                                 pixels, pixels};
  check_layer([&](const Tensor& x_, const Tensor& w_, const Tensor& b_,
                  const Tensor& dy_) { return conv2d_cpu(d, x_, w_, b_, dy_); },
              x, w, b, dy, terms, d.bias);
}

INSTANTIATE_TEST_SUITE_P(Cases, Bf16Conv2d, ::testing::ValuesIn(kConvCases),
                         [](const auto& c) { return std::string(c.param.name); });

class Bf16Linear : public ::testing::TestWithParam<ops::LinearDesc> {};

TEST_P(Bf16Linear, WithinTheBoundOfBf16ProductsAndNotFp32) {
  if (!runs_bf16_math()) return;
  const ops::LinearDesc d = GetParam();
  const Tensor x = random_tensor({d.rows, d.in_features}, 5);
  const Tensor w = random_tensor({d.out_features, d.in_features}, 6);
  const Tensor b = random_tensor({d.out_features}, 7);
  const Tensor dy = random_tensor({d.rows, d.out_features}, 8);
  const std::int64_t terms[4] = {d.in_features + 1, d.out_features, d.rows, d.rows};
  check_layer([&](const Tensor& x_, const Tensor& w_, const Tensor& b_,
                  const Tensor& dy_) { return linear_cpu(d, x_, w_, b_, dy_); },
              x, w, b, dy, terms, d.bias);
}

// rows, in, out, bias: a ViT-like projection and an odd-sized one.
INSTANTIATE_TEST_SUITE_P(Cases, Bf16Linear,
                         ::testing::Values(ops::LinearDesc{50, 64, 96, true},
                                           ops::LinearDesc{7, 33, 20, false}),
                         [](const auto& c) {
                           const ops::LinearDesc& d = c.param;
                           return fmt::format("{}x{}to{}{}", d.rows, d.in_features, d.out_features,
                                              d.bias ? "_bias" : "");
                         });

// tf32 needs a GPU: the CPU refuses it whatever its ISA.
TEST(Bf16Math, Tf32IsRefusedOnTheCpu) {
  try {
    ops::set_math_mode(MathMode::tf32);
    ops::set_math_mode(MathMode::fp32);
    FAIL() << "tf32 accepted without a GPU";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("tf32 needs a GPU"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ops::math_mode(), MathMode::fp32);
}

}  // namespace
}  // namespace swag::test
