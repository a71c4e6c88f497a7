// json_integer: the readers of index.json, vocab.json, mapping files and run state take only
// whole numbers that fit; a float, a string or an out-of-range integer is a type_error, which the
// readers turn into "swag: error: FILE: bad ...".
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "swag/core/error.hpp"
#include "swag/core/json_integer.hpp"
#include "swag/data/dataset_index.hpp"

namespace {

using nlohmann::json;

TEST(JsonInteger, TakesWholeNumbersThatFit) {
  EXPECT_EQ(swag::json_integer<std::int64_t>(json::parse("-7")), -7);
  EXPECT_EQ(swag::json_integer<std::uint64_t>(json::parse("18446744073709551615")),
            18446744073709551615ULL);
  EXPECT_EQ(swag::json_integer<std::int32_t>(json::parse("2147483647")), 2147483647);
  EXPECT_EQ(swag::json_integers<std::int64_t>(json::parse("[3, 2, 1]")),
            (std::vector<std::int64_t>{3, 2, 1}));
}

TEST(JsonInteger, RefusesFloatsStringsAndOverflow) {
  for (const char* text :
       {"7.77778e+108", "1.5", "3.0", "\"3\"", "null", "true", "[1]", "9223372036854775808"})
    EXPECT_THROW(swag::json_integer<std::int64_t>(json::parse(text)), json::type_error) << text;
  EXPECT_THROW(swag::json_integer<std::int32_t>(json::parse("2147483648")), json::type_error);
  EXPECT_THROW(swag::json_integer<std::size_t>(json::parse("-1")), json::type_error);
  EXPECT_THROW(swag::json_integer<std::uint64_t>(json::parse("-1")), json::type_error);
  EXPECT_THROW(swag::json_integers<std::int64_t>(json::parse("[1, 2.5]")), json::type_error);
  EXPECT_THROW(swag::json_integers<std::int64_t>(json::parse("{}")), json::type_error);
}

// The input fuzz_index found (tests/fuzz/corpus/index/float_shard_index): a shard_index of
// 7.8e108 reached a float-to-integer cast, undefined behaviour under UBSan.
TEST(JsonInteger, IndexWithAHugeFloatShardIndexIsBadInput) {
  const std::string text = R"({"format": "swag-shards", "format_version": 1, "num_images": 3,
    "num_classes": 1, "vocab_sha256": "00",
    "shards": [{"shard_index": 7.77778e+108, "file": "shard-00000.h5", "num_images": 3,
                "sha256": "00"}],
    "class_counts": [3], "skipped": []})";
  try {
    swag::data::index_from_json(text, "runs/x/index.json");
    FAIL() << "accepted a float shard_index";
  } catch (const swag::Error& e) {
    EXPECT_EQ(e.code(), swag::ExitCode::input);
    EXPECT_NE(std::string(e.what()).find("runs/x/index.json: bad shard index"), std::string::npos)
        << e.what();
  }
}

}  // namespace
