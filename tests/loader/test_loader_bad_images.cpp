// Corrupt images in the loader (data/loader.hpp): one is replaced by the documented rule and
// counted, past data.max_bad_fraction the fill fails naming the shard and the image, a damaged
// byte under the shards' Fletcher32 checksum is caught, and data.verify_shards finds a changed
// shard.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "swag/core/error.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/labelled_subset.hpp"
#include "swag/data/loader.hpp"
#include "swag/data/shard_format.hpp"
#include "swag/data/shard_reader.hpp"
#include "swag/data/shard_writer.hpp"

using namespace swag;
using namespace swag::data;
namespace fs = std::filesystem;

namespace {

constexpr int kImages = 12;  // per shard
constexpr std::uint64_t kReplacementBase = std::uint64_t{1} << 63;

std::vector<std::uint8_t> picture(int k) {
  Image image = Image::blank(48, 40, 3);
  for (std::size_t p = 0; p < image.pixels.size(); ++p)
    image.pixels[p] = static_cast<std::uint8_t>((p * 11 + k * 29) % 253);
  return encode_jpeg(image, 90);
}

// Two shards of kImages images each (48 x 40, image k of class k % 3); the images in `corrupt`
// are stored as 300 bytes of a JPEG's start followed by garbage, and the image in `misstated`
// with the size 30 x 30 (its JPEG is 40 x 48).
std::string make_dataset(const std::string& name, const std::vector<int>& corrupt,
                         int misstated = -1) {
  const auto dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  DatasetIndex index;
  index.num_classes = 3;
  index.vocab_sha256 = std::string(64, '0');
  index.class_counts.assign(3, 0);
  for (int s = 0; s < 2; ++s) {
    ShardWriter writer({s, 3, index.vocab_sha256, s * kImages + 1, s * kImages + kImages});
    for (int k = s * kImages; k < s * kImages + kImages; ++k) {
      std::vector<std::uint8_t> jpeg = picture(k);
      if (std::count(corrupt.begin(), corrupt.end(), k) != 0)
        for (std::size_t p = 300; p < jpeg.size(); ++p) jpeg[p] = static_cast<std::uint8_t>(p);
      ++index.class_counts[static_cast<std::size_t>(k % 3)];
      const int side = k == misstated ? 30 : 0;
      writer.add(k, jpeg, side != 0 ? side : 40, side != 0 ? side : 48, std::vector{k % 3});
    }
    const std::string file = fmt::format("shard-{:05d}.h5", s);
    index.shards.push_back({s, file, kImages, writer.write((dir / file).string())});
  }
  index.num_images = 2 * kImages;
  write_index(dir.string(), index);
  return dir.string();
}

LoaderOptions options(const std::string& dir, ImageStream stream, double max_bad_fraction) {
  LoaderOptions o;
  o.data_dir = dir;
  o.global_batch = o.local_batch = 2 * kImages;
  o.resolution = 16;
  o.workers = 2;
  o.seed = 5;
  o.stream = std::move(stream);
  o.max_bad_fraction = max_bad_fraction;
  return o;
}

struct Batch {
  Tensor images = Tensor::empty({2 * kImages, 16, 16, 3}),
         targets = Tensor::empty({2 * kImages, 3});
};

Batch load(Loader& loader, std::int64_t step = 0) {
  Batch b;
  loader.fill(step, b.images, b.targets);
  return b;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::string fill_error(Loader& loader) {
  try {
    load(loader);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    return e.what();
  }
  ADD_FAILURE() << "the fill did not fail";
  return "";
}

}  // namespace

// Position 5's image is corrupt: the row holds the image that the stream names at the first
// replacement position (here image 7, with position 5's crop and flip), which is what a stream
// that names image 7 at position 5 gives; the count is 1.
TEST(LoaderBadImages, ReplacedByTheStreamsReplacementPosition) {
  const std::string dir = make_dataset("bad_one", {5});
  Loader damaged(options(
      dir,
      [](std::uint64_t g) { return g >= kReplacementBase ? 7 : static_cast<std::int64_t>(g % 24); },
      0.05));
  Loader reference(options(
      dir, [](std::uint64_t g) { return g == 5 ? 7 : static_cast<std::int64_t>(g % 24); }, 0.05));
  const Batch a = load(damaged), b = load(reference);
  EXPECT_TRUE(same(a.images, b.images));
  EXPECT_TRUE(same(a.targets, b.targets));
  EXPECT_EQ(a.targets.data<float>()[5 * 3 + 7 % 3], 1.0f);
  EXPECT_EQ(damaged.bad_draws(), 1);
  EXPECT_EQ(reference.bad_draws(), 0);
  // The next step draws image 5 once more (position 29).
  load(damaged, 1);
  EXPECT_EQ(damaged.bad_draws(), 2);
}

// A replacement that is itself corrupt is replaced in turn; a stream without replacement
// positions (evaluation's in order) gives a padding row of zeros.
TEST(LoaderBadImages, ChainsAndPadding) {
  const std::string dir = make_dataset("bad_chain", {5, 9});
  Loader chained(options(
      dir,
      [](std::uint64_t g) {
        return g < kReplacementBase ? static_cast<std::int64_t>(g) : (g & 1) != 0 ? 9 : 11;
      },
      0.1));
  const Batch c = load(chained);
  EXPECT_GE(chained.bad_draws(), 2);
  for (const int row : {5, 9}) EXPECT_EQ(c.targets.data<float>()[row * 3 + 11 % 3], 1.0f) << row;
  Loader padded(options(dir, in_order(2 * kImages), 0.1));
  const Batch p = load(padded);
  const float* row5 = p.images.data<float>() + 5 * 16 * 16 * 3;
  EXPECT_TRUE(std::all_of(row5, row5 + 16 * 16 * 3, [](float v) { return v == 0.0f; }));
  EXPECT_TRUE(std::all_of(p.targets.data<float>() + 15, p.targets.data<float>() + 18,
                          [](float v) { return v == 0.0f; }));
  EXPECT_EQ(padded.bad_draws(), 2);  // images 5 and 9
}

// data.max_bad_fraction = 0 (the library default): the first corrupt image fails the fill,
// naming the shard file and the image's index in it; with room for one, a second one fails.
TEST(LoaderBadImages, StopPastTheAllowedShare) {
  const std::string one = make_dataset("bad_strict", {14});
  Loader strict(options(one, in_order(2 * kImages), 0));
  const std::string message = fill_error(strict);
  EXPECT_NE(message.find("shard-00001.h5: image 2 is corrupt"), std::string::npos) << message;
  EXPECT_NE(message.find("data.max_bad_fraction"), std::string::npos) << message;

  const std::string two = make_dataset("bad_two", {3, 14});
  Loader one_allowed(options(two, in_order(2 * kImages), 1.5 / 24));  // floor(1.5) = 1
  EXPECT_NE(fill_error(one_allowed).find("2 corrupt image(s) met"), std::string::npos);
}

// A JPEG whose header disagrees with the size the shard recorded (a damaged header that still
// parses) is corrupt too.
TEST(LoaderBadImages, HeaderSizeMustMatchTheShard) {
  const std::string dir = make_dataset("bad_size", {}, 8);
  Loader loader(options(dir, in_order(2 * kImages), 0));
  const std::string message = fill_error(loader);
  EXPECT_NE(message.find("shard-00000.h5: image 8 is corrupt (its JPEG header says 40 x 48, the "
                         "shard 30 x 30)"),
            std::string::npos)
      << message;
}

// Batches with corrupt images do not depend on the number of workers or how ranks split them.
TEST(LoaderBadImages, ReplacementIsDeterministic) {
  const std::string dir = make_dataset("bad_sampled", {2, 13});
  LoaderOptions o = options(dir, {}, 0.1);
  o.sampler = {0.5, 6, 3};
  o.global_batch = o.local_batch = 16;
  Loader whole(o);
  o.workers = 3;
  Loader more_workers(o);
  o.local_batch = 8;
  o.workers = 1;
  Loader rank0(o);
  o.rank = 1;
  Loader rank1(o);
  std::int64_t draws = 0;
  for (std::int64_t step = 0; step < 6; ++step) {
    Batch a, b, r0, r1;
    for (Batch* x : {&a, &b}) {
      x->images = Tensor::empty({16, 16, 16, 3});
      x->targets = Tensor::empty({16, 3});
    }
    for (Batch* x : {&r0, &r1}) {
      x->images = Tensor::empty({8, 16, 16, 3});
      x->targets = Tensor::empty({8, 3});
    }
    whole.fill(step, a.images, a.targets);
    more_workers.fill(step, b.images, b.targets);
    rank0.fill(step, r0.images, r0.targets);
    rank1.fill(step, r1.images, r1.targets);
    EXPECT_TRUE(same(a.images, b.images) && same(a.targets, b.targets)) << step;
    EXPECT_EQ(std::memcmp(a.images.raw(), r0.images.raw(), r0.images.nbytes()), 0) << step;
    EXPECT_EQ(std::memcmp(static_cast<const char*>(a.images.raw()) + r0.images.nbytes(),
                          r1.images.raw(), r1.images.nbytes()),
              0)
        << step;
  }
  draws = whole.bad_draws();
  EXPECT_GT(draws, 0);  // 96 draws from 24 images, 2 corrupt
  EXPECT_EQ(more_workers.bad_draws(), draws);
  EXPECT_EQ(rank0.bad_draws() + rank1.bad_draws(), draws);
}

namespace {

// Flips one byte of image k's stored JPEG in the shard file, found by its bytes.
void flip_stored_byte(const std::string& shard, const std::vector<std::uint8_t>& jpeg) {
  std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::string needle(jpeg.begin() + 100, jpeg.begin() + 200);
  const auto at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  f.seekp(static_cast<std::streamoff>(at + 50));
  f.put(static_cast<char>(~bytes[at + 50]));
}

}  // namespace

// The shard writer stores the image bytes with HDF5's Fletcher32 filter: one flipped byte fails
// the read (an input error naming the file), where an unchecked shard returns the wrong bytes.
TEST(ShardChecksum, AFlippedByteFailsTheRead) {
  const std::string dir = make_dataset("bad_flip", {});
  const std::string shard = (fs::path(dir) / "shard-00000.h5").string();
  {
    const ShardReader reader(shard);
    EXPECT_EQ(reader.jpeg(4), picture(4));
  }
  flip_stored_byte(shard, picture(4));
  const ShardReader reader(shard);
  try {
    (void)reader.jpeg(4);
    ADD_FAILURE() << "the damaged read succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find(shard), std::string::npos) << e.what();
  }
  // Images wholly in the other chunk still read; the loader skips those overlapping the damaged
  // one (the first 16 KiB of the byte array: image 4's byte 150 is there), replaced from shard 1.
  const auto offsets = Hdf5File::open_read(shard).read_i64(shard_format::jpeg_offsets);
  ASSERT_LT(offsets[4] + 150, 16384);
  const auto damaged =
      std::count_if(offsets.begin(), offsets.end() - 1, [](std::int64_t o) { return o < 16384; });
  ASSERT_LT(damaged, kImages);
  EXPECT_EQ(reader.jpeg(kImages - 1), picture(kImages - 1));
  Loader loader(options(
      dir,
      [](std::uint64_t g) { return g >= kReplacementBase ? 20 : static_cast<std::int64_t>(g); },
      0.6));
  const Batch b = load(loader);
  EXPECT_EQ(loader.bad_draws(), damaged);
  EXPECT_EQ(b.targets.data<float>()[4 * 3 + 20 % 3], 1.0f);
}

// A shard written without the filter (as before it: contiguous datasets) still reads.
TEST(ShardChecksum, UncheckedShardsStillRead) {
  namespace f = shard_format;
  const auto path = (fs::path(::testing::TempDir()) / "unchecked.h5").string();
  const std::vector<std::uint8_t> a = picture(1), b = picture(2);
  std::vector<std::uint8_t> both = a;
  both.insert(both.end(), b.begin(), b.end());
  {
    Hdf5File h5 = Hdf5File::create(path);
    h5.set_attribute("/", "format", std::string(f::format));
    h5.set_attribute("/", "format_version", std::int64_t{f::version});
    h5.set_attribute("/", "shard_index", std::int64_t{0});
    h5.set_attribute("/", "num_images", std::int64_t{2});
    h5.set_attribute("/", "num_classes", std::int64_t{3});
    h5.set_attribute("/", "vocab_sha256", std::string(64, '0'));
    h5.write_u8(f::jpeg, both);
    h5.write_i64(f::jpeg_offsets,
                 std::vector<std::int64_t>{0, std::int64_t(a.size()), std::int64_t(both.size())});
    h5.write_i64(f::ids, std::vector<std::int64_t>{1, 2});
    h5.write_i32(f::sizes, std::vector<std::int32_t>{40, 48, 40, 48}, {2, 2});
    h5.write_i64(f::label_offsets, std::vector<std::int64_t>{0, 1, 2});
    h5.write_i32(f::label_classes, std::vector<std::int32_t>{1, 2});
  }
  EXPECT_EQ(Hdf5File::open_read(path).contiguous_offset(f::jpeg) >= 0, true);
  const ShardReader reader(path);
  EXPECT_EQ(reader.jpeg(0), a);
  EXPECT_EQ(reader.jpeg(1), b);
}

// data.verify_shards: a shard whose bytes differ from index.json's SHA-256 stops the loader's
// first fill, naming the file; an unchanged one passes.
TEST(ShardVerify, MismatchNamesTheShard) {
  const std::string dir = make_dataset("verify", {});
  LoaderOptions o = options(dir, in_order(2 * kImages), 0);
  o.verify_shards = true;
  {
    Loader loader(o);
    EXPECT_NO_THROW(load(loader));
  }
  const std::string shard = (fs::path(dir) / "shard-00001.h5").string();
  std::ofstream(shard, std::ios::app) << "x";  // HDF5 ignores trailing bytes; the digest does not
  Loader loader(o);
  const std::string message = fill_error(loader);
  EXPECT_NE(message.find(shard + ": SHA-256 "), std::string::npos) << message;
  o.verify_shards = false;
  Loader unverified(o);
  EXPECT_NO_THROW(load(unverified));
}
