// u8 batches: the loader's bytes, normalized by ops::normalize_images, are bit for bit its f32
// batches (the resampling stream with the training transform, and the evaluation transform,
// padding included); the staging of a batch on the host is the f32 batch filled in place.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "swag/core/allocator.hpp"
#include "swag/core/pixel_normalize.hpp"
#include "swag/data/augment.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/loader.hpp"
#include "swag/data/shard_writer.hpp"
#include "swag/ops/normalize.hpp"
#include "swag/train/host_staging.hpp"

using namespace swag;
using namespace swag::data;

namespace {

// 24 images of assorted sizes in one shard, every fourth greyscale; image k has class k % 3.
std::string make_dataset() {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "loader_u8_dataset";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DatasetIndex index;
  index.num_classes = 3;
  index.vocab_sha256 = std::string(64, '0');
  index.class_counts.assign(3, 0);
  ShardWriter writer({0, 3, index.vocab_sha256, 1, 24});
  for (int k = 0; k < 24; ++k) {
    const int w = 40 + 3 * k, h = 64 - k, channels = k % 4 == 3 ? 1 : 3;
    Image image = Image::blank(w, h, channels);
    for (std::size_t p = 0; p < image.pixels.size(); ++p)
      image.pixels[p] = static_cast<std::uint8_t>((p * 13 + k * 37 + p / 97) % 256);
    const std::vector<std::int32_t> classes{k % 3};
    writer.add(k, encode_jpeg(image, 85), h, w, classes);
    ++index.class_counts[static_cast<std::size_t>(k % 3)];
  }
  const std::string sha = writer.write((dir / "shard-00000.h5").string());
  index.shards.push_back({0, "shard-00000.h5", 24, sha});
  index.num_images = 24;
  write_index(dir.string(), index);
  return dir.string();
}

LoaderOptions options(const std::string& dir, Transform transform) {
  LoaderOptions o;
  o.data_dir = dir;
  o.global_batch = o.local_batch = 8;
  o.resolution = 20;
  o.workers = 2;
  o.prefetch = 2;
  o.seed = 11;
  o.sampler = {0.7, 10, 3};
  o.transform = transform;
  if (transform == Transform::eval)  // the images in order, then padding
    o.stream = [](std::uint64_t g) { return g < 20 ? static_cast<std::int64_t>(g) : -1; };
  return o;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Loader steps as f32, and as u8 then normalized (a second loader, or the same one switching).
void expect_u8_matches_f32(Transform transform) {
  const std::string dir = make_dataset();
  Loader floats(options(dir, transform)), bytes(options(dir, transform));
  const Shape shape{8, 20, 20, 3};
  for (std::int64_t step : {0, 1, 2}) {
    Tensor f = Tensor::empty(shape), tf = Tensor::empty({8, 3});
    Tensor u = Tensor::empty(shape, DType::u8), tu = Tensor::empty({8, 3});
    floats.fill(step, f, tf);
    bytes.fill(step, u, tu);
    Tensor normalized = Tensor::empty(shape);
    ops::normalize_images(u, normalized);
    if (transform == Transform::eval && step == 2) {
      // Stream positions 20-23 are padding: zero rows in both types, zero targets.
      for (std::int64_t i = 4; i < 8; ++i) {
        const std::int64_t row = 20 * 20 * 3;
        for (std::int64_t p = 0; p < row; ++p) {
          ASSERT_EQ(u.data<std::uint8_t>()[i * row + p], 0);
          ASSERT_EQ(f.data<float>()[i * row + p], 0.0f);
        }
        for (int c = 0; c < 3; ++c) EXPECT_EQ(tu.data<float>()[i * 3 + c], 0.0f);
      }
      // The rows with images match bit for bit.
      EXPECT_EQ(std::memcmp(normalized.raw(), f.raw(), 4 * 20 * 20 * 3 * sizeof(float)), 0);
    } else {
      EXPECT_TRUE(same_bytes(normalized, f)) << "step " << step;
    }
    EXPECT_TRUE(same_bytes(tu, tf)) << "step " << step;
  }
}

}  // namespace

TEST(LoaderU8, NormalizedBytesAreTheFloatBatchForTheResamplingStream) {
  expect_u8_matches_f32(Transform::train);
}

TEST(LoaderU8, NormalizedBytesAreTheFloatBatchForTheEvaluationTransform) {
  expect_u8_matches_f32(Transform::eval);
}

TEST(LoaderU8, SwitchingTypesGivesTheSameBatches) {
  const std::string dir = make_dataset();
  Loader reference(options(dir, Transform::train)), mixed(options(dir, Transform::train));
  const Shape shape{8, 20, 20, 3};
  for (std::int64_t step = 0; step < 5; ++step) {
    Tensor f = Tensor::empty(shape), t = Tensor::empty({8, 3});
    reference.fill(step, f, t);
    Tensor got = Tensor::empty(shape), tm = Tensor::empty({8, 3});
    if (step % 2 == 1) {  // bytes on odd steps: the slots prepared as floats are redone
      Tensor u = Tensor::empty(shape, DType::u8);
      mixed.fill(step, u, tm);
      ops::normalize_images(u, got);
    } else {
      mixed.fill(step, got, tm);
    }
    EXPECT_TRUE(same_bytes(got, f)) << "step " << step;
    EXPECT_TRUE(same_bytes(tm, t)) << "step " << step;
  }
}

TEST(LoaderU8, CropResizeThenNormalizeIsCropResizeNormalize) {
  for (int channels : {1, 3}) {
    Image image = Image::blank(31, 17, channels);
    for (std::size_t p = 0; p < image.pixels.size(); ++p)
      image.pixels[p] = static_cast<std::uint8_t>(p * 29 % 256);
    const CropBox box{2, 3, 13, 21};
    for (bool flip : {false, true}) {
      Tensor bytes = Tensor::empty({1, 9, 9, 3}, DType::u8), floats = Tensor::empty({1, 9, 9, 3});
      crop_resize(image, box, 9, flip, bytes.data<std::uint8_t>());
      crop_resize_normalize(image, box, 9, flip, floats.data<float>());
      Tensor normalized = Tensor::empty({1, 9, 9, 3});
      ops::normalize_images(bytes, normalized);
      EXPECT_TRUE(same_bytes(normalized, floats));
      if (channels == 1)
        for (std::int64_t p = 0; p < 81; ++p) {
          const std::uint8_t* px = bytes.data<std::uint8_t>() + p * 3;
          EXPECT_TRUE(px[0] == px[1] && px[1] == px[2]);
        }
    }
  }
}

TEST(LoaderU8, NormalizeImagesIsTheImageNetFormulaForEveryByte) {
  Tensor bytes = Tensor::empty({2, 16, 8, 3}, DType::u8), out = Tensor::empty({2, 16, 8, 3});
  for (std::int64_t i = 0; i < bytes.numel(); ++i)
    bytes.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i % 256);
  ops::normalize_images(bytes, out);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
  for (std::int64_t i = 0; i < bytes.numel(); ++i) {
    const auto c = static_cast<int>(i % 3);
    const float v = static_cast<float>(i % 256);
    EXPECT_EQ(out.data<float>()[i], (v / 255.0f - mean[c]) / std[c]);
  }
  Tensor wrong = Tensor::empty({2, 16, 8, 3}, DType::u8);
  EXPECT_THROW(ops::normalize_images(bytes, wrong), Error);
}

TEST(StagedBatchOnHost, FillsTheStepTensorsInPlaceAsFloats) {
  train::StagedBatch batch({2, 4, 4, 3}, {2, 5}, Device::cpu, DType::u8);
  EXPECT_EQ(batch.host_pixels(), DType::f32);
  EXPECT_EQ(batch.host_images().dtype(), DType::f32);
  batch.host_images().data<float>()[7] = 3.5f;
  batch.upload();
  EXPECT_EQ(batch.images().raw(), batch.host_images().raw());
  EXPECT_EQ(batch.targets().raw(), batch.host_targets().raw());
  EXPECT_EQ(batch.images().data<float>()[7], 3.5f);
}

TEST(PinnedHostTensor, IsAHostTensorCountedAsHostBytesWithoutAGpu) {
  const std::size_t before = tensor_bytes_in_use(Device::cpu);
  {
    Tensor t = Tensor::empty_pinned({100, 10}, DType::u8);
    EXPECT_EQ(t.device(), Device::cpu);
    EXPECT_EQ(tensor_bytes_in_use(Device::cpu), before + 1000);
    t.zero();
    EXPECT_EQ(t.data<std::uint8_t>()[999], 0);
  }
  EXPECT_EQ(tensor_bytes_in_use(Device::cpu), before);
  EXPECT_EQ(&pinned_host_allocator(), &allocator_for(Device::cpu));
}
