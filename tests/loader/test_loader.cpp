// The loader on a small real dataset (JPEG shards written here): deterministic batches whatever
// the number of workers, ranks that split the global batch, and labels as 1/K targets.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "swag/data/dataset_index.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/loader.hpp"
#include "swag/data/shard_writer.hpp"

using namespace swag;
using namespace swag::data;

namespace {

// 40 images of 48 x 40 in two shards; image k carries classes {k % 3} or {k % 3, 3}.
std::string make_dataset() {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "loader_dataset";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DatasetIndex index;
  index.num_classes = 4;
  index.vocab_sha256 = std::string(64, '0');
  index.class_counts.assign(4, 0);
  for (int s = 0; s < 2; ++s) {
    ShardWriter writer({s, 4, index.vocab_sha256, s * 20 + 1, s * 20 + 20});
    for (int k = s * 20; k < s * 20 + 20; ++k) {
      Image image = Image::blank(48, 40, 3);
      for (std::size_t p = 0; p < image.pixels.size(); ++p)
        image.pixels[p] = static_cast<std::uint8_t>((p * 7 + k * 31) % 251);
      const auto jpeg = encode_jpeg(image, 90);
      std::vector<std::int32_t> classes{k % 3};
      if (k % 2) classes.push_back(3);
      for (auto c : classes) ++index.class_counts[static_cast<std::size_t>(c)];
      writer.add(k, jpeg, 40, 48, classes);
    }
    const std::string file = fmt::format("shard-{:05d}.h5", s);
    const std::string sha = writer.write((dir / file).string());
    index.shards.push_back({s, file, 20, sha});
  }
  index.num_images = 40;
  write_index(dir.string(), index);
  return dir.string();
}

LoaderOptions options(const std::string& dir, std::int64_t global, std::int64_t local,
                      std::int64_t rank, int workers) {
  LoaderOptions o;
  o.data_dir = dir;
  o.global_batch = global;
  o.local_batch = local;
  o.rank = rank;
  o.resolution = 16;
  o.workers = workers;
  o.prefetch = 2;
  o.seed = 7;
  o.sampler = {0.7, 10, 3};
  return o;
}

struct Batch {
  Tensor images, targets;
};

Batch load(Loader& loader, std::int64_t step, std::int64_t local) {
  Batch b{Tensor::empty({local, 16, 16, 3}), Tensor::empty({local, 4})};
  loader.fill(step, b.images, b.targets);
  return b;
}

bool same(const Tensor& a, const Tensor& b, std::int64_t offset_elements = 0) {
  return std::memcmp(static_cast<const float*>(a.raw()) + offset_elements, b.raw(), b.nbytes()) ==
         0;
}

}  // namespace

TEST(Loader, BatchesDoNotDependOnWorkersOrOrder) {
  const std::string dir = make_dataset();
  Loader one(options(dir, 8, 8, 0, 1)), three(options(dir, 8, 8, 0, 3));
  const Batch a0 = load(one, 0, 8), a1 = load(one, 1, 8), a5 = load(one, 5, 8);
  const Batch b5 = load(three, 5, 8), b0 = load(three, 0, 8), b1 = load(three, 1, 8);
  EXPECT_TRUE(same(a0.images, b0.images));
  EXPECT_TRUE(same(a1.images, b1.images));
  EXPECT_TRUE(same(a5.images, b5.images));
  EXPECT_TRUE(same(a5.targets, b5.targets));
  EXPECT_FALSE(same(a0.images, a1.images));
}

TEST(Loader, RanksSplitTheGlobalBatch) {
  const std::string dir = make_dataset();
  Loader whole(options(dir, 8, 8, 0, 2));
  Loader first(options(dir, 8, 4, 0, 1)), second(options(dir, 8, 4, 1, 1));
  for (std::int64_t step : {0, 3}) {
    const Batch w = load(whole, step, 8), r0 = load(first, step, 4), r1 = load(second, step, 4);
    EXPECT_TRUE(same(w.images, r0.images));
    EXPECT_TRUE(same(w.images, r1.images, 4 * 16 * 16 * 3));
    EXPECT_TRUE(same(w.targets, r1.targets, 4 * 4));
  }
}

TEST(Loader, TargetsAreOneOverK) {
  const std::string dir = make_dataset();
  Loader loader(options(dir, 16, 16, 0, 2));
  const Batch b = load(loader, 2, 16);
  for (int i = 0; i < 16; ++i) {
    double sum = 0;
    int nonzero = 0;
    for (int c = 0; c < 4; ++c) {
      const float t = b.targets.data<float>()[i * 4 + c];
      sum += t;
      nonzero += t > 0;
      if (t > 0) {
        EXPECT_TRUE(t == 1.0f || t == 0.5f) << t;
      }
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    EXPECT_GE(nonzero, 1);
  }
  // Normalized pixels: roughly zero-centred, within the range of (0..1 - mean) / std.
  for (std::int64_t p = 0; p < b.images.numel(); ++p) {
    const float v = b.images.data<float>()[p];
    ASSERT_GE(v, -2.2f);
    ASSERT_LE(v, 2.7f);
  }
}

// Pictures of two augmentation seeds: how many rows are the same picture or its mirror image.
int same_or_mirrored(double min_crop_scale) {
  const std::string dir = make_dataset();
  LoaderOptions oa = options(dir, 8, 8, 0, 1), ob = oa;
  ob.seed = oa.seed + 1;
  oa.min_crop_scale = ob.min_crop_scale = min_crop_scale;
  Loader a(oa), b(ob);
  const Batch x = load(a, 0, 8), y = load(b, 0, 8);
  const auto at = [](const Tensor& t, int i, int r, int c, int ch) {
    return t.data<float>()[((i * 16 + r) * 16 + c) * 3 + ch];
  };
  int count = 0;
  for (int i = 0; i < 8; ++i) {
    bool same_picture = true, mirrored = true;
    for (int r = 0; r < 16; ++r)
      for (int c = 0; c < 16; ++c)
        for (int ch = 0; ch < 3; ++ch) {
          same_picture &= at(x.images, i, r, c, ch) == at(y.images, i, r, c, ch);
          mirrored &= at(x.images, i, r, c, ch) == at(y.images, i, r, 15 - c, ch);
        }
    count += same_picture || mirrored;
  }
  return count;
}

TEST(Loader, MinCropScaleOneKeepsTheWholePicture) {
  // data.min_crop_scale = 1: every training crop is the whole picture, flipped or not
  EXPECT_EQ(same_or_mirrored(1.0), 8);
  // the default scale crops: other seeds, other crops
  EXPECT_LT(same_or_mirrored(0.08), 8);
}

TEST(Loader, MissingDataIsAnError) {
  try {
    Loader bad(options("/nonexistent/shards", 8, 8, 0, 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/shards"), std::string::npos) << e.what();
  }
}

// Image k of the dataset carries {k % 3}, and class 3 as well when k is odd (make_dataset).
std::vector<float> target_row(std::int64_t k) {
  std::vector<float> row(4, 0.0f);
  const float share = k % 2 ? 0.5f : 1.0f;
  row[static_cast<std::size_t>(k % 3)] += share;
  if (k % 2) row[3] += share;
  return row;
}

TEST(Loader, LabelsComeFromTheShardsOpenedOnDemandWithinTheBound) {
  const std::string dir = make_dataset();
  // Positions alternate between the two shards of 20 images; one worker, so the count of opens
  // does not depend on how tasks fall to threads.
  auto o = options(dir, 8, 8, 0, 1);
  o.stream = [](std::uint64_t g) { return static_cast<std::int64_t>((g * 21) % 40); };
  o.max_open_shards = 1;
  Loader bounded(o);
  o.max_open_shards = 8;
  Loader roomy(o);
  for (std::int64_t step = 0; step < 4; ++step) {
    const Batch a = load(bounded, step, 8), b = load(roomy, step, 8);
    EXPECT_TRUE(same(a.images, b.images)) << step;
    EXPECT_TRUE(same(a.targets, b.targets)) << step;
    for (std::int64_t i = 0; i < 8; ++i) {
      const auto k =
          static_cast<std::int64_t>((static_cast<std::uint64_t>(step * 8 + i) * 21) % 40);
      const std::vector<float> want = target_row(k);
      for (int c = 0; c < 4; ++c)
        EXPECT_EQ(a.targets.data<float>()[i * 4 + c], want[static_cast<std::size_t>(c)])
            << "image " << k << " class " << c;
    }
  }
  // The bound 1: an open wherever the shard differs from the image before (at least over the
  // 32 images checked; the batches ahead may add more); with 8, each shard once.
  std::int64_t switches = 0;
  for (std::uint64_t g = 0; g < 32; ++g)
    switches += g == 0 || ((g * 21) % 40 < 20) != (((g - 1) * 21) % 40 < 20);
  EXPECT_EQ(bounded.peak_open_shards(), 1);
  EXPECT_GE(bounded.shard_opens(), switches);
  EXPECT_GT(switches, 20);
  EXPECT_EQ(roomy.shard_opens(), 2);
  EXPECT_EQ(roomy.peak_open_shards(), 2);
}

TEST(Loader, ShardCacheClosesTheLeastRecentlyUsed) {
  const std::string dir = make_dataset();
  const auto index = std::make_shared<const DatasetIndex>(read_index(dir));
  ShardCounters counters;
  {
    ShardCache cache(dir, index, 1, &counters);
    EXPECT_EQ(cache.get(0).shard_index(), 0);
    EXPECT_EQ(cache.get(0).shard_index(), 0);  // still open
    EXPECT_EQ(cache.get(1).shard_index(), 1);  // closes 0
    EXPECT_EQ(cache.get(0).shard_index(), 0);  // opens 0 again
    EXPECT_EQ(cache.open_count(), 1);
    EXPECT_EQ(counters.opened.load(), 3);
    EXPECT_EQ(counters.peak.load(), 1);
  }
  EXPECT_EQ(counters.open.load(), 0);
  ShardCache two(dir, index, 2, &counters);
  two.get(0);
  two.get(1);
  two.get(0);
  two.get(1);
  EXPECT_EQ(counters.opened.load(), 5);
  EXPECT_EQ(two.open_count(), 2);
}
