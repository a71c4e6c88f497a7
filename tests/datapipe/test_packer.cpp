// swag shard's packing on one process: stored bytes and label sets, the skipped lines and their
// reasons, --strict, index.json, and independence from the number of ranks.
#include <gtest/gtest.h>

#include <cmath>

#include "datapipe_test_util.hpp"
#include "swag/core/error.hpp"
#include "swag/core/file_bytes.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/png_codec.hpp"
#include "swag/data/shard_packer.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {
namespace {

const char* const vocab_json = R"({"format": "swag-vocab", "format_version": 1, "min_count": 1,
  "num_classes": 3,
  "classes": [
    {"id": 0, "name": "dog", "synsets": ["n02084071"], "hashtags": ["dog", "dogs"], "count": 9},
    {"id": 1, "name": "cat", "synsets": ["n02121620"], "hashtags": ["cat"], "count": 5},
    {"id": 2, "name": "sneaker", "synsets": ["n03472535"], "hashtags": ["sneaker", "sneakers"],
     "count": 4}],
  "hashtags": {"dog": 0, "dogs": 0, "cat": 1, "sneaker": 2, "sneakers": 2}})";

// Images of every kind, good and bad, and a manifest that uses them.
class PackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_text(dir / "vocab.json", vocab_json);
    testing::write_bytes(dir / "a.jpg", encode_jpeg(testing::test_image(40, 30, 3, 1), 90));
    grey = testing::test_image(28, 28, 1, 2);
    testing::write_bytes(dir / "b.png", encode_png(grey));
    testing::write_bytes(dir / "big.jpg", encode_jpeg(testing::test_image(300, 200, 3, 3), 90));
    auto truncated = encode_jpeg(testing::test_image(64, 64, 3, 4), 90);
    truncated.resize(truncated.size() * 2 / 3);
    testing::write_bytes(dir / "trunc.jpg", truncated);
    testing::write_text(dir / "notimage.jpg", "this is text, not pixels\n");
    std::filesystem::create_directories(dir.path() / "sub");
    testing::write_bytes(dir / "sub/c.jpg", encode_jpeg(testing::test_image(16, 16, 1, 5), 90));
    testing::write_text(dir / "manifest.tsv",
                        "a.jpg\t#Dog #unknown\n"          // 1 kept: {dog}
                        "b.png\t#cat #sneakers\n"         // 2 kept (re-encoded): {cat, sneaker}
                        "trunc.jpg\t#dog\n"               // 3 truncated JPEG
                        "notimage.jpg\t#dog\n"            // 4 not an image
                        "missing.jpg\t#dog\n"             // 5 missing file
                        "a.jpg\t\n"                       // 6 empty hashtag list
                        "a.jpg\t#zebra #unicorn\n"        // 7 unknown hashtags only
                        "big.jpg\t#sneaker #dog #dogs\n"  // 8 kept (over max side): {dog, sneaker}
                        "\n"                              // 9 blank: ignored
                        "sub/c.jpg\t#dogs\n");            // 10 kept: {dog}
  }

  PackOptions options(const std::string& out, bool strict = false) const {
    PackOptions o;
    o.output_dir = dir / out;
    o.manifest = dir / "manifest.tsv";
    o.shard_size = 3;
    o.storage.max_side = 100;
    o.strict = strict;
    return o;
  }

  DatasetIndex pack(const std::string& out, int world = 1) const {
    const auto lines = read_manifest(dir / "manifest.tsv");
    const auto labels = HashtagLabels::load(dir / "vocab.json");
    std::vector<DatasetIndex> parts;
    parts.reserve(static_cast<std::size_t>(world));
    for (int rank = 0; rank < world; ++rank)
      parts.push_back(pack_shards(lines, labels, options(out), rank, world));
    return merge_indices(parts);
  }

  testing::TempDir dir;
  Image grey;
};

std::vector<std::int32_t> label_set(const ShardReader& shard, std::int64_t i) {
  const auto c = shard.classes(i);
  return {c.begin(), c.end()};
}

TEST_F(PackerTest, StoresImagesAndLabelSets) {
  const DatasetIndex index = pack("out");
  EXPECT_EQ(index.num_images, 4);
  EXPECT_EQ(index.num_classes, 3);
  EXPECT_EQ(index.vocab_sha256, sha256_file(dir / "vocab.json"));
  EXPECT_EQ(index.class_counts, (std::vector<std::int64_t>{3, 1, 2}));
  // Shard k holds manifest entries [3k, 3k + 3): entries 3-5 are all skipped, so no shard 1.
  ASSERT_EQ(index.shards.size(), 2u);
  EXPECT_EQ(index.shards[0].file, "shard-00000.h5");
  EXPECT_EQ(index.shards[1].file, "shard-00002.h5");

  const ShardReader first(dir / "out/shard-00000.h5");
  ASSERT_EQ(first.num_images(), 2);
  EXPECT_EQ(first.id(0), 1);
  EXPECT_EQ(first.jpeg(0), read_file_bytes(dir / "a.jpg"));  // JPEGs are stored as they are
  EXPECT_EQ(label_set(first, 0), (std::vector<std::int32_t>{0}));
  EXPECT_EQ(first.id(1), 2);
  const Image png_back = decode_jpeg(first.jpeg(1));  // the PNG, re-encoded as JPEG
  EXPECT_EQ(png_back.channels, 1);
  EXPECT_EQ(first.height(1), 28);
  double diff = 0;
  for (std::size_t i = 0; i < grey.pixels.size(); ++i)
    diff += std::abs(png_back.pixels[i] - grey.pixels[i]);
  EXPECT_LT(diff / static_cast<double>(grey.pixels.size()), 4.0);
  EXPECT_EQ(label_set(first, 1), (std::vector<std::int32_t>{1, 2}));

  const ShardReader last(dir / "out/shard-00002.h5");
  ASSERT_EQ(last.num_images(), 2);
  EXPECT_EQ(last.id(0), 8);
  const JpegHeader big = read_jpeg_header(last.jpeg(0));  // over --max-side: re-encoded
  EXPECT_EQ(big.width, 100);
  EXPECT_EQ(big.height, 67);
  EXPECT_EQ(last.width(0), 100);
  EXPECT_EQ(label_set(last, 0), (std::vector<std::int32_t>{0, 2}));
  EXPECT_EQ(last.id(1), 10);
  EXPECT_EQ(last.jpeg(1), read_file_bytes(dir / "sub/c.jpg"));
}

TEST_F(PackerTest, SkipsCorruptAndUnlabelledLinesWithReasons) {
  const DatasetIndex index = pack("out");
  ASSERT_EQ(index.skipped.size(), 5u);
  const std::vector<std::pair<std::int64_t, std::string>> expected = {
      {3, "corrupt JPEG"},
      {4, "not a JPEG or PNG image"},
      {5, "cannot open: No such file or directory"},
      {6, "empty hashtag list"},
      {7, "no hashtag in the vocabulary"}};
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(index.skipped[k].line, expected[k].first);
    EXPECT_NE(index.skipped[k].reason.find(expected[k].second), std::string::npos)
        << index.skipped[k].reason;
  }
  EXPECT_EQ(index.skipped[2].path, "missing.jpg");
}

TEST_F(PackerTest, StrictMakesEachSkipAnInputErrorNamingLineAndPath) {
  const auto labels = HashtagLabels::load(dir / "vocab.json");
  const auto all = read_manifest(dir / "manifest.tsv");
  for (std::size_t k = 2; k < 7; ++k) {  // lines 3-7, one at a time
    const std::vector<ManifestLine> one = {all[k]};
    try {
      pack_shards(one, labels, options("strict", true), 0, 1);
      ADD_FAILURE() << "line " << all[k].line << " passed --strict";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::input);
      const std::string message = e.what();
      EXPECT_NE(message.find("line " + std::to_string(all[k].line)), std::string::npos) << message;
      EXPECT_NE(message.find(all[k].path), std::string::npos) << message;
    }
  }
}

TEST_F(PackerTest, IndexJsonRecordsShardsWithTheirChecksums) {
  const DatasetIndex index = pack("out");
  write_index(dir / "out", index);
  const DatasetIndex back = read_index(dir / "out");
  EXPECT_EQ(index_to_json(back), index_to_json(index));
  for (const auto& shard : back.shards) {
    EXPECT_EQ(shard.sha256, sha256_file(dir / ("out/" + shard.file)));
    EXPECT_EQ(ShardReader(dir / ("out/" + shard.file)).num_images(), shard.num_images);
  }
  const std::string text = read_file_text(dir / "out/index.json");
  for (const char* key : {"\"num_images\"", "\"num_classes\"", "\"shards\"", "\"class_counts\"",
                          "\"skipped\"", "\"vocab_sha256\"", "\"sha256\"", "\"reason\""})
    EXPECT_NE(text.find(key), std::string::npos) << key;
}

TEST_F(PackerTest, ShardsDoNotDependOnTheNumberOfRanks) {
  const std::string one = index_to_json(pack("one", 1));
  EXPECT_EQ(index_to_json(pack("two", 2)), one);
  EXPECT_EQ(index_to_json(pack("three", 3)), one);
}

}  // namespace
}  // namespace swag::data
