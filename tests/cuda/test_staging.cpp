// The GPU input path: ops::normalize_images on CUDA against the CPU (the same formula,
// normalize_pixel, with IEEE division and no FMA on both: bit for bit); page-locked host
// tensors; and train::StagedBatch's double buffering. The batch test queues slow GPU work before
// every upload, so that each copy waits in the stream while the host goes on filling later
// steps: a buffer refilled before its copy ran would show a later step's pixels.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "parity.hpp"
#include "swag/core/allocator.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/normalize.hpp"
#include "swag/train/host_staging.hpp"

using namespace swag;

namespace {

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Step-dependent pixels and targets, as a source would write them.
std::uint8_t pixel(std::int64_t step, std::int64_t i) {
  return static_cast<std::uint8_t>((i * 7 + step * 53 + i / 101) % 256);
}

}  // namespace

TEST(NormalizeImagesCuda, MatchesTheCpuBitForBit) {
  for (const Shape& shape : {Shape{1, 1, 1, 3}, Shape{3, 17, 29, 3}, Shape{8, 224, 224, 3}}) {
    Tensor bytes = Tensor::empty(shape, DType::u8);
    for (std::int64_t i = 0; i < bytes.numel(); ++i)
      bytes.data<std::uint8_t>()[i] = static_cast<std::uint8_t>((i * 31 + i / 3) % 256);
    Tensor cpu = Tensor::empty(shape);
    ops::normalize_images(bytes, cpu);
    Tensor gpu = test::device_garbage(shape);
    ops::normalize_images(cuda::to_device(bytes), gpu);
    EXPECT_TRUE(same_bytes(cuda::to_host(gpu), cpu)) << shape_str(shape);
  }
}

TEST(PinnedHostTensor, IsPageLockedWhileTheRuntimeLives) {
  const std::size_t before = tensor_bytes_in_use(Device::cpu);
  Tensor t = Tensor::empty_pinned({1000}, DType::u8);
  EXPECT_EQ(t.device(), Device::cpu);
  EXPECT_EQ(tensor_bytes_in_use(Device::cpu), before + 1000);
  cudaPointerAttributes attributes{};
  ASSERT_EQ(cudaPointerGetAttributes(&attributes, t.raw()), cudaSuccess);
  EXPECT_EQ(attributes.type, cudaMemoryTypeHost);
}

TEST(StagedBatchCuda, DoubleBufferingNeverRefillsABufferStillBeingCopied) {
  constexpr std::int64_t kSteps = 5;
  const Shape shape{4, 24, 24, 3}, target_shape{4, 7};
  train::StagedBatch batch(shape, target_shape, Device::cuda, DType::u8);
  ASSERT_EQ(batch.host_pixels(), DType::u8);
  // Slow work to queue before each upload: ~200 MB written per call, ten calls.
  const Tensor slow_in = Tensor::zeros({64, 512, 512, 3}, DType::u8, Device::cuda);
  Tensor slow_out = Tensor::empty({64, 512, 512, 3}, DType::f32, Device::cuda);

  // The snapshots are allocated first: cudaMalloc may wait for the device, which would let every
  // copy finish before the next refill whatever StagedBatch does.
  std::vector<Tensor> images, targets;
  for (std::int64_t step = 0; step < kSteps; ++step) {
    images.push_back(Tensor::empty(shape, DType::f32, Device::cuda));
    targets.push_back(Tensor::empty(target_shape, DType::f32, Device::cuda));
  }
  std::vector<void*> buffers;
  for (std::int64_t step = 0; step < kSteps; ++step) {
    for (int r = 0; r < 10; ++r) ops::normalize_images(slow_in, slow_out);
    Tensor& host = batch.host_images();
    Tensor& host_targets = batch.host_targets();
    buffers.push_back(host.raw());
    for (std::int64_t i = 0; i < host.numel(); ++i) host.data<std::uint8_t>()[i] = pixel(step, i);
    for (std::int64_t i = 0; i < host_targets.numel(); ++i)
      host_targets.data<float>()[i] = static_cast<float>(step * 100 + i);
    batch.upload();
    // Snapshots on the device, queued after the step's upload (no host wait).
    ops::copy(batch.images(), images[static_cast<std::size_t>(step)]);
    ops::copy(batch.targets(), targets[static_cast<std::size_t>(step)]);
  }
  ops::synchronize(Device::cuda);
  for (std::int64_t step = 0; step < kSteps; ++step) {
    Tensor bytes = Tensor::empty(shape, DType::u8), expected = Tensor::empty(shape);
    for (std::int64_t i = 0; i < bytes.numel(); ++i) bytes.data<std::uint8_t>()[i] = pixel(step, i);
    ops::normalize_images(bytes, expected);
    EXPECT_TRUE(same_bytes(cuda::to_host(images[step]), expected)) << "images of step " << step;
    const Tensor t = cuda::to_host(targets[step]);
    for (std::int64_t i = 0; i < t.numel(); ++i)
      ASSERT_EQ(t.data<float>()[i], static_cast<float>(step * 100 + i)) << "step " << step;
    if (step >= 2) {
      EXPECT_EQ(buffers[step], buffers[step - 2]);
    }
    if (step >= 1) {
      EXPECT_NE(buffers[step], buffers[step - 1]);
    }
  }
}

TEST(StagedBatchCuda, F32BatchesCrossUnchanged) {
  const Shape shape{2, 8, 8, 3}, target_shape{2, 5};
  train::StagedBatch batch(shape, target_shape, Device::cuda);  // f32, as fine-tuning uses it
  ASSERT_EQ(batch.host_pixels(), DType::f32);
  for (std::int64_t step = 0; step < 3; ++step) {
    Tensor& host = batch.host_images();
    for (std::int64_t i = 0; i < host.numel(); ++i)
      host.data<float>()[i] = static_cast<float>(step) + 0.25f * static_cast<float>(i);
    batch.host_targets().zero();
    const Tensor expected = ops::copy_to(host, Device::cpu);
    batch.upload();
    EXPECT_TRUE(same_bytes(cuda::to_host(batch.images()), expected)) << "step " << step;
  }
}

// Not a check: the time to stage a 224 x 224 batch of 256 as bytes (pinned copy, then
// normalization on the GPU) and as floats, for doc/benchmarks.md's loader paragraph.
TEST(StagedBatchCuda, ReportsTheUploadTimeOfA224Batch) {
  const Shape shape{256, 224, 224, 3}, target_shape{256, 1000};
  for (const DType pixels : {DType::u8, DType::f32}) {
    train::StagedBatch batch(shape, target_shape, Device::cuda, pixels);
    batch.host_images().zero();
    batch.host_targets().zero();
    batch.upload();
    ops::synchronize(Device::cuda);
    constexpr int kReps = 10;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < kReps; ++r) {
      batch.host_images();
      batch.upload();
    }
    ops::synchronize(Device::cuda);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count() /
        kReps;
    std::printf("staging 256 x 224 x 224 x 3 as %s: %.3f ms per batch (%.0f images/s)\n",
                pixels == DType::u8 ? "u8 + GPU normalize" : "f32", ms, 256.0 / (ms / 1000.0));
  }
}
