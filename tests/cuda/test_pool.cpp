// Global average pooling and channel scaling (squeeze-excitation) on CUDA against the CPU
// backend on the same random inputs.
#include <gtest/gtest.h>

#include <string>

#include "parity.hpp"
#include "swag/ops/pool.hpp"

using namespace swag;
using swag::test::random_tensor;

namespace {

struct PoolCase {
  const char* name;
  Shape shape;  // NHWC
};

// One position; a 7x7 head with channels not a multiple of 32; a 14x14 RegNet stage.
const PoolCase kCases[] = {
    {"one_position", {3, 1, 1, 5}},
    {"head_7x7", {4, 7, 7, 1000}},
    {"stage_14x14", {2, 14, 14, 440}},
};

class PoolParity : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolParity, GlobalAvgPoolMatchesTheCpuBackend) {
  const Shape& xs = GetParam().shape;
  const Shape ys{xs[0], xs[3]};
  const Tensor x = random_tensor(xs, 40), dy = random_tensor(ys, 41), dx0 = random_tensor(xs, 42);
  const double tol = test::kFp32Tolerance;

  Tensor y = Tensor::empty(ys), gy = test::device_garbage(ys);
  ops::global_avg_pool_forward(x, y);
  ops::global_avg_pool_forward(cuda::to_device(x), gy);
  test::expect_near("y", gy, y, tol);

  // Overwrite mode (dx starts as NaN on the GPU), then accumulate mode onto dx0.
  Tensor dx = Tensor::empty(xs), gdx = test::device_garbage(xs);
  ops::global_avg_pool_backward(dy, dx);
  ops::global_avg_pool_backward(cuda::to_device(dy), gdx);
  test::expect_near("dx", gdx, dx, 0.0);
  Tensor dxa = cuda::to_host(cuda::to_device(dx0)), gdxa = cuda::to_device(dx0);
  ops::global_avg_pool_backward(dy, dxa, true);
  ops::global_avg_pool_backward(cuda::to_device(dy), gdxa, true);
  test::expect_near("dx accumulated", gdxa, dxa, 0.0);
}

TEST_P(PoolParity, ChannelScaleMatchesTheCpuBackend) {
  const Shape& xs = GetParam().shape;
  const Shape ss{xs[0], xs[3]};
  const Tensor x = random_tensor(xs, 43), scale = random_tensor(ss, 44), dy = random_tensor(xs, 45);
  const Tensor gx = cuda::to_device(x), gscale = cuda::to_device(scale);

  Tensor y = Tensor::empty(xs), gy = test::device_garbage(xs);
  ops::channel_scale_forward(x, scale, y);
  ops::channel_scale_forward(gx, gscale, gy);
  test::expect_near("y", gy, y, 0.0);

  Tensor dx = Tensor::empty(xs), dscale = Tensor::empty(ss);
  Tensor gdx = test::device_garbage(xs), gdscale = test::device_garbage(ss);
  ops::channel_scale_backward(x, scale, dy, dx, dscale);
  ops::channel_scale_backward(gx, gscale, cuda::to_device(dy), gdx, gdscale);
  test::expect_near("dx", gdx, dx, 0.0);
  test::expect_near("dscale", gdscale, dscale, test::kFp32Tolerance);

  // dx written over dy: the same result, and dscale the same bits.
  Tensor gdy = cuda::to_device(dy), gdscale2 = test::device_garbage(ss);
  ops::channel_scale_backward(gx, gscale, gdy, gdy, gdscale2);
  test::expect_bitwise_equal("dx in place", gdy, gdx);
  test::expect_bitwise_equal("dscale again", gdscale2, gdscale);
}

INSTANTIATE_TEST_SUITE_P(Cuda, PoolParity, ::testing::ValuesIn(kCases),
                         [](const auto& c) { return std::string(c.param.name); });

}  // namespace
