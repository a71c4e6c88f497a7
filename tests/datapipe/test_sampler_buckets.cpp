// The sampler's bucket file (buckets.h5): written from a shard folder, memory-mapped, equal to
// the buckets built from the labels in memory; the sampler draws the same stream from either;
// a file made for other shards, a damaged one and a missing one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "datapipe_test_util.hpp"
#include "swag/core/error.hpp"
#include "swag/core/rng.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/resampling_sampler.hpp"
#include "swag/data/sampler_buckets.hpp"
#include "swag/data/shard_writer.hpp"

namespace swag::data {
namespace {

constexpr std::int64_t kClasses = 12;

// A shard folder with label sets of 1 to 3 random classes (skewed towards low ids), dummy
// image bytes, and its index.json.
DatasetIndex write_folder(const std::string& dir, std::int64_t shards, std::int64_t per_shard,
                          std::uint64_t seed) {
  std::filesystem::create_directories(dir);
  DatasetIndex index;
  index.num_classes = kClasses;
  index.vocab_sha256 = std::string(64, 'a');
  index.class_counts.assign(kClasses, 0);
  Rng rng(seed);
  const std::vector<std::uint8_t> jpeg = {0xff, 0xd8, 0xff, 0xd9};
  for (std::int64_t s = 0; s < shards; ++s) {
    ShardWriter writer({s, kClasses, index.vocab_sha256, s * per_shard + 1, (s + 1) * per_shard});
    const std::int64_t n = per_shard - s % 2;  // uneven shards
    for (std::int64_t i = 0; i < n; ++i) {
      std::vector<std::int32_t> set;
      const auto k = 1 + rng.next_u32() % 3;
      while (set.size() < k) {
        const auto c = static_cast<std::int32_t>((rng.next_u32() % kClasses) *
                                                 (rng.next_u32() % kClasses) / kClasses);
        if (std::find(set.begin(), set.end(), c) == set.end()) set.push_back(c);
      }
      std::sort(set.begin(), set.end());
      for (const auto c : set) ++index.class_counts[c];
      writer.add(s * per_shard + i + 1, jpeg, 1, 1, set);
    }
    const std::string file = fmt::format("shard-{:05d}.h5", s);
    index.shards.push_back(
        {s, file, n, writer.write((std::filesystem::path(dir) / file).string())});
    index.num_images += n;
  }
  write_index(dir, index);
  return index;
}

std::vector<std::int64_t> bucket_order(const SamplerBuckets& b) {
  std::vector<std::int64_t> images;
  for (std::int64_t k = 0; k < b.num_images(); ++k) images.push_back(b.image(k));
  return images;
}

TEST(SamplerBuckets, FileEqualsTheBucketsOfTheLabelsAndIsMapped) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  const DatasetIndex index = write_folder(data, 5, 40, 1);
  write_buckets_file(data, index, {});
  const SamplerBuckets mapped = SamplerBuckets::open(data, index);
  EXPECT_TRUE(mapped.memory_mapped());
  const MultiLabels labels = load_dataset_labels(data);
  EXPECT_EQ(labels.class_frequencies(), index.class_counts);
  const SamplerBuckets memory = SamplerBuckets::from_labels(labels, index.class_counts);
  EXPECT_EQ(mapped.offsets(), memory.offsets());
  EXPECT_EQ(bucket_order(mapped), bucket_order(memory));
  // Private memory: the offsets only.
  EXPECT_LE(mapped.private_bytes(),
            static_cast<std::int64_t>(sizeof(std::int64_t)) * 2 * (kClasses + 1));

  // The same stream from the file and from the labels.
  const SamplerOptions options{0.6, 30, 4};
  const ResamplingSampler from_file(index.class_counts, mapped, options);
  const ResamplingSampler from_labels(labels, options);
  for (std::uint64_t g = 0; g < 5000; ++g)
    ASSERT_EQ(from_file.draw(2, g).image, from_labels.draw(2, g).image) << g;
}

TEST(SamplerBuckets, MissingFileIsBuiltFromTheShards) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  const DatasetIndex index = write_folder(data, 3, 30, 2);
  const SamplerBuckets built = SamplerBuckets::open(data, index);
  EXPECT_FALSE(built.memory_mapped());
  const SamplerBuckets memory =
      SamplerBuckets::from_labels(load_dataset_labels(data), index.class_counts);
  EXPECT_EQ(built.offsets(), memory.offsets());
  EXPECT_EQ(bucket_order(built), bucket_order(memory));
}

// The error's message, and that it is an input error (exit 4).
std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(SamplerBuckets, FileOfOtherShardsOrDamagedFails) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  const DatasetIndex index = write_folder(data, 3, 30, 3);
  write_buckets_file(data, index, {});
  const std::string path = data + "/buckets.h5";

  // Another shard set: one checksum differs.
  DatasetIndex other = index;
  other.shards[1].sha256 = std::string(64, '0');
  std::string message = input_error([&] { SamplerBuckets::open(data, other); });
  EXPECT_NE(message.find("buckets.h5"), std::string::npos) << message;
  EXPECT_NE(message.find("swag index"), std::string::npos) << message;

  // Truncated (HDF5 sees the end missing), or not HDF5 at all: exit 5, naming the file.
  for (const bool truncate : {true, false}) {
    if (truncate)
      std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
    else
      testing::write_text(path, "not a bucket file\n");
    try {
      SamplerBuckets::open(data, index);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::io);
      EXPECT_NE(std::string(e.what()).find("buckets.h5"), std::string::npos) << e.what();
    }
  }
}

TEST(SamplerBuckets, ContiguousSharesCoverEveryItemOnce) {
  for (const std::int64_t n : {0, 1, 7, 360000})
    for (const int world : {1, 2, 3, 1024}) {
      std::int64_t next = 0;
      for (int r = 0; r < world; ++r) {
        const auto [first, last] = contiguous_share(n, r, world);
        ASSERT_EQ(first, next);
        ASSERT_LE(first, last);
        next = last;
      }
      ASSERT_EQ(next, n);
    }
}

}  // namespace
}  // namespace swag::data
