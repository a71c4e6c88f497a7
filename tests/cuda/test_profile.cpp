// ops::profile on the GPU: op calls timed by CUDA events, read when profiling stops.
#include <gtest/gtest.h>

#include <chrono>

#include "parity.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/elementwise.hpp"
#include "swag/ops/profile.hpp"

using namespace swag;

TEST(OpProfileOnGpu, TimesDeviceOpsWithEvents) {
  // 16M floats: each pass moves 128 MB, tens of microseconds, well above an event's resolution.
  const Shape shape{1 << 24};
  const Tensor a = cuda::to_device(test::random_tensor(shape, 1));
  const Tensor b = cuda::to_device(test::random_tensor(shape, 2));
  Tensor y = Tensor::empty(shape, DType::f32, Device::cuda);
  ops::relu_forward(a, y);  // warm-up: module load and first launch stay out
  ops::synchronize(Device::cuda);
  ops::profile::start();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) ops::relu_forward(a, y);
  ops::add_forward(a, b, y, false);
  ops::synchronize(Device::cuda);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto times = ops::profile::stop();
  ASSERT_EQ(times.size(), 2u);
  // Three relus move 384 MB, the add 192 MB: the relus come first.
  EXPECT_EQ(times[0].op, "relu_forward");
  EXPECT_EQ(times[0].calls, 3);
  EXPECT_EQ(times[1].op, "add_forward");
  EXPECT_EQ(times[1].calls, 1);
  for (const auto& t : times) EXPECT_GT(t.seconds, 0.0) << t.op;
  EXPECT_LE(times[0].seconds + times[1].seconds, wall);
  std::printf("  relu x3: %.1f us, add: %.1f us (wall %.1f us)\n", 1e6 * times[0].seconds,
              1e6 * times[1].seconds, 1e6 * wall);
}
