// cuDNN convolution against the CPU backend on the same random inputs.
#include <gtest/gtest.h>

#include "../ops/layer_reference.hpp"
#include "parity.hpp"
#include "storage_parity.hpp"
#include "swag/ops/conv2d.hpp"
#include "swag/ops/math_mode.hpp"

using namespace swag;
using swag::test::abs_of;
using swag::test::random_tensor;

namespace {

struct ConvCase {
  const char* name;
  ops::Conv2dDesc d;
};

// RegNetY's convolutions (stem, 1x1 projections, strided grouped 3x3, 1x1 shortcut) plus odd
// sizes, a wider kernel and a bias gradient over a few thousand rows. Fields in Conv2dDesc's
// order: batch, in and out channels, height, width, kernel, stride, padding, groups, bias.
const ConvCase kCases[] = {
    {"k3_s1_p1_bias", {2, 8, 16, 9, 9, 3, 1, 1, 1, true}},
    {"k3_s2_p1_groups4", {2, 16, 32, 11, 7, 3, 2, 1, 4, false}},
    {"k1_s1_bias", {3, 24, 40, 5, 6, 1, 1, 0, 1, true}},
    {"k1_s2_shortcut", {2, 16, 32, 8, 8, 1, 2, 0, 1, false}},
    {"depthwise_k3_s2_bias", {2, 12, 12, 9, 10, 3, 2, 1, 12, true}},
    {"stem_c3_k3_s2", {2, 3, 8, 16, 16, 3, 2, 1, 1, false}},
    {"k5_p2_groups2_bias", {1, 8, 6, 7, 7, 5, 1, 2, 2, true}},
    {"k3_groups8_bias_many_rows", {4, 64, 64, 32, 32, 3, 1, 1, 8, true}},
};

// The op on the GPU against the CPU backend within parity.hpp's bound, which any summation order
// meets; with `deterministic`, the weight and bias gradients also repeat to the bit.
void check_against_cpu(const ops::Conv2dDesc& d, bool deterministic) {
  const Tensor x = random_tensor(d.input_shape(), 1), w = random_tensor(d.weight_shape(), 2);
  const Tensor b = random_tensor({d.out_channels}, 3), dy = random_tensor(d.output_shape(), 4);

  // The CPU reference, and the same op on absolute values for the error bound (parity.hpp).
  const test::LayerResult ref = test::conv2d_cpu(d, x, w, b, dy);
  const test::LayerResult mag = test::conv2d_cpu(d, abs_of(x), abs_of(w), abs_of(b), abs_of(dy));

  const Tensor gx = cuda::to_device(x), gw = cuda::to_device(w), gb = cuda::to_device(b);
  const Tensor gdy = cuda::to_device(dy);
  Tensor gy = test::device_garbage(d.output_shape()), gdx = test::device_garbage(d.input_shape());
  Tensor gdw = test::device_garbage(d.weight_shape());
  Tensor gdb = test::device_garbage({d.out_channels});
  ops::conv2d_forward(d, gx, gw, d.bias ? &gb : nullptr, gy);
  ops::conv2d_backward(d, gx, gw, gdy, &gdx, gdw, d.bias ? &gdb : nullptr);

  const std::int64_t taps = std::int64_t{d.kernel} * d.kernel;
  const std::int64_t positions = d.batch * d.out_height() * d.out_width();
  test::expect_close("y", gy, ref.y, mag.y, d.in_channels / d.groups * taps + 1);
  test::expect_close("dx", gdx, ref.dx, mag.dx, d.out_channels / d.groups * taps);
  test::expect_close("dw", gdw, ref.dw, mag.dw, positions);
  if (d.bias) test::expect_close("db", gdb, ref.db, mag.db, positions);
  if (!deterministic) return;

  // Without dx, and again: the same weight and bias gradients to the bit.
  Tensor gdw2 = test::device_garbage(d.weight_shape());
  Tensor gdb2 = test::device_garbage({d.out_channels});
  ops::conv2d_backward(d, gx, gw, gdy, nullptr, gdw2, d.bias ? &gdb2 : nullptr);
  test::expect_bitwise_equal("dw", gdw, gdw2);
  if (d.bias) test::expect_bitwise_equal("db", gdb, gdb2);
}

class Conv2dParity : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dParity, ForwardAndBackwardMatchTheCpuBackend) {
  check_against_cpu(GetParam().d, /*deterministic=*/true);
}

// run.deterministic = false: cuDNN's own order, non-deterministic algorithms included.
TEST_P(Conv2dParity, AnyAlgorithmMatchesTheCpuBackend) {
  struct AnyAlgorithm {  // the default again however the test ends
    AnyAlgorithm() { ops::set_gpu_deterministic(false); }
    ~AnyAlgorithm() { ops::set_gpu_deterministic(true); }
  } scope;
  check_against_cpu(GetParam().d, /*deterministic=*/false);
}

INSTANTIATE_TEST_SUITE_P(Cuda, Conv2dParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

// bf16 and f16 activations: the CUDA op against the CPU op on the same 16-bit inputs, within
// storage_parity.hpp's bound; the weight and bias gradients deterministic and fp32.
template <class T>
void check_storage_against_cpu(const ops::Conv2dDesc& d) {
  const DType s = dtype_of<T>();
  const Tensor x = test::round_to(random_tensor(d.input_shape(), 5), s);
  const Tensor w = test::round_to(random_tensor(d.weight_shape(), 6), s);
  const Tensor b = test::round_to(random_tensor({d.out_channels}, 7), s);
  const Tensor dy = test::round_to(random_tensor(d.output_shape(), 8), s);
  test::LayerResult ref{Tensor::empty(d.output_shape(), s), Tensor::empty(d.input_shape(), s),
                        Tensor::empty(d.weight_shape()), Tensor::empty({d.out_channels})};
  ops::conv2d_forward(d, x, w, d.bias ? &b : nullptr, ref.y);
  ops::conv2d_backward(d, x, w, dy, &ref.dx, ref.dw, d.bias ? &ref.db : nullptr);
  const test::LayerResult mag = test::conv2d_cpu(d, abs_of(test::widen(x)), abs_of(test::widen(w)),
                                                 abs_of(test::widen(b)), abs_of(test::widen(dy)));

  const Tensor gx = cuda::to_device(x), gw = cuda::to_device(w), gb = cuda::to_device(b);
  const Tensor gdy = cuda::to_device(dy);
  Tensor gy = test::device_garbage_as<T>(d.output_shape());
  Tensor gdx = test::device_garbage_as<T>(d.input_shape());
  Tensor gdw = test::device_garbage(d.weight_shape()), gdb = test::device_garbage({d.out_channels});
  ops::conv2d_forward(d, gx, gw, d.bias ? &gb : nullptr, gy);
  ops::conv2d_backward(d, gx, gw, gdy, &gdx, gdw, d.bias ? &gdb : nullptr);

  const std::int64_t taps = std::int64_t{d.kernel} * d.kernel;
  const std::int64_t positions = d.batch * d.out_height() * d.out_width();
  test::expect_storage_close<T>("y", gy, ref.y, mag.y, d.in_channels / d.groups * taps + 1, 1.0,
                                d.bias ? 1.0 : 0.0);
  test::expect_storage_close<T>("dx", gdx, ref.dx, mag.dx, d.out_channels / d.groups * taps, 1.0);
  test::expect_storage_close<T>("dw", gdw, ref.dw, mag.dw, positions, 0.5);
  if (d.bias) test::expect_storage_close<T>("db", gdb, ref.db, mag.db, positions, 0.0);

  Tensor gdw2 = test::device_garbage(d.weight_shape());
  Tensor gdb2 = test::device_garbage({d.out_channels});
  ops::conv2d_backward(d, gx, gw, gdy, nullptr, gdw2, d.bias ? &gdb2 : nullptr);
  test::expect_bitwise_equal("dw", gdw, gdw2);
  if (d.bias) test::expect_bitwise_equal("db", gdb, gdb2);
}

TEST_P(Conv2dParity, Bf16ActivationsMatchTheCpuBackend) {
  check_storage_against_cpu<bf16>(GetParam().d);
}

TEST_P(Conv2dParity, F16ActivationsMatchTheCpuBackend) {
  check_storage_against_cpu<f16>(GetParam().d);
}

TEST(Conv2dCuda, HostWeightsAreAClearError) {
  const ops::Conv2dDesc d{.in_channels = 4, .out_channels = 4, .height = 3, .width = 3};
  const Tensor x = cuda::to_device(random_tensor(d.input_shape(), 1));
  const Tensor host_w = random_tensor(d.weight_shape(), 2);
  Tensor y = Tensor::empty(d.output_shape(), DType::f32, Device::cuda);
  try {
    ops::conv2d_forward(d, x, host_w, nullptr, y);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv2d on CUDA got a cpu tensor"), std::string::npos)
        << e.what();
  }
}

}  // namespace
