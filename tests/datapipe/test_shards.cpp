// Shard files: bit-exact round trip, determinism, and damaged files failing with a clear error.
#include <gtest/gtest.h>

#include "datapipe_test_util.hpp"
#include "swag/core/error.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/shard_format.hpp"
#include "swag/data/shard_reader.hpp"
#include "swag/data/shard_writer.hpp"

namespace swag::data {
namespace {

struct Example {
  std::int64_t id;
  std::vector<std::uint8_t> bytes;
  int height, width;
  std::vector<std::int32_t> classes;
};

std::vector<Example> examples(int n) {
  std::vector<Example> out;
  Rng rng(11);
  for (int i = 0; i < n; ++i) {
    Example e{100 + 3 * i, {}, 10 + i, 20 + 2 * i, {}};
    e.bytes.resize(1 + rng.next_u32() % 500);
    for (auto& b : e.bytes) b = static_cast<std::uint8_t>(rng.next_u32());
    for (std::int32_t c = 0; c < 50; ++c)
      if (rng.uniform() < 0.06f || (e.classes.empty() && c == 49)) e.classes.push_back(c);
    out.push_back(std::move(e));
  }
  return out;
}

std::string write_shard(const std::string& path, const std::vector<Example>& items) {
  ShardWriter writer({7, 50, "abc123", 1, 99});
  for (const auto& e : items) writer.add(e.id, e.bytes, e.height, e.width, e.classes);
  return writer.write(path);
}

TEST(Shard, RoundTripIsBitExact) {
  testing::TempDir dir;
  const auto items = examples(40);
  const std::string sha = write_shard(dir / "s.h5", items);
  EXPECT_EQ(sha, sha256_file(dir / "s.h5"));
  const ShardReader shard(dir / "s.h5");
  ASSERT_EQ(shard.num_images(), 40);
  EXPECT_EQ(shard.num_classes(), 50);
  EXPECT_EQ(shard.shard_index(), 7);
  EXPECT_EQ(shard.vocab_sha256(), "abc123");
  for (std::int64_t i = 0; i < 40; ++i) {
    EXPECT_EQ(shard.jpeg(i), items[i].bytes) << i;
    EXPECT_EQ(shard.id(i), items[i].id);
    EXPECT_EQ(shard.height(i), items[i].height);
    EXPECT_EQ(shard.width(i), items[i].width);
    const auto classes = shard.classes(i);
    EXPECT_EQ(std::vector<std::int32_t>(classes.begin(), classes.end()), items[i].classes);
  }
}

TEST(Shard, SameContentGivesTheSameBytes) {
  testing::TempDir dir;
  const auto items = examples(5);
  EXPECT_EQ(write_shard(dir / "a.h5", items), write_shard(dir / "b.h5", items));
}

TEST(Shard, InconsistentFileFailsNamingTheProblem) {
  testing::TempDir dir;
  write_shard(dir / "good.h5", examples(3));
  {
    // Same attributes and arrays, but offsets that point past the JPEG bytes.
    const ShardReader good(dir / "good.h5");
    Hdf5File bad = Hdf5File::create(dir / "bad.h5");
    for (const char* name : {"format", "vocab_sha256"})
      bad.set_attribute("/", name,
                        Hdf5File::open_read(dir / "good.h5").string_attribute("/", name));
    for (const char* name : {"format_version", "num_images", "num_classes", "shard_index"})
      bad.set_attribute("/", name, Hdf5File::open_read(dir / "good.h5").int_attribute("/", name));
    std::vector<std::uint8_t> few_bytes(3);
    bad.write_u8(shard_format::jpeg, few_bytes);
    const std::vector<std::int64_t> offsets = {0, 100, 200, 300};
    bad.write_i64(shard_format::jpeg_offsets, offsets);
    const std::vector<std::int64_t> ids = {1, 2, 3};
    bad.write_i64(shard_format::ids, ids);
    const std::vector<std::int32_t> sizes(6, 1);
    bad.write_i32(shard_format::sizes, sizes, {3, 2});
    bad.write_i64(shard_format::label_offsets, good.label_offsets());
    bad.write_i32(shard_format::label_classes, good.label_classes());
  }
  try {
    const ShardReader shard(dir / "bad.h5");
    ADD_FAILURE() << "read an inconsistent shard";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::input);
    EXPECT_NE(std::string(e.what()).find("/images/offsets"), std::string::npos) << e.what();
  }
}

TEST(Shard, NotAShardOrTruncatedFails) {
  testing::TempDir dir;
  testing::write_text(dir / "text.h5", "not hdf5");
  EXPECT_THROW(ShardReader(dir / "text.h5"), Error);
  write_shard(dir / "s.h5", examples(30));
  const auto size = std::filesystem::file_size(dir / "s.h5");
  std::filesystem::resize_file(dir / "s.h5", size / 2);
  try {
    const ShardReader shard(dir / "s.h5");
    for (std::int64_t i = 0; i < shard.num_images(); ++i) shard.jpeg(i);
    ADD_FAILURE() << "read a truncated shard";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("s.h5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swag::data
