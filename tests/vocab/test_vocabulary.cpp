// Canonical classes from hashtag counts, vocab.json round trips, and input errors.
#include "swag/vocab/hashtag_counts.hpp"
#include "swag/vocab/vocabulary_file.hpp"
#include "vocab_test_util.hpp"

using namespace swag;
using namespace swag::vocab;
using test::error_of;
using test::scratch_file;
using test::system_wordnet;

TEST(Vocabulary, MergesEqualSynsetSetsAndDropsTheRest) {
  const std::map<std::string, std::uint64_t> counts = {
      {"eggplant", 5}, {"aubergine", 7}, {"newyork", 100}, {"dog", 3}, {"dogs", 3}, {"crane", 1}};
  BuildReport report;
  const Vocabulary v = build_vocabulary(system_wordnet(), counts, 2, report);
  ASSERT_EQ(v.classes.size(), 2u);
  EXPECT_EQ(v.classes[0].name, "aubergine");
  EXPECT_EQ(v.classes[0].hashtags, (std::vector<std::string>{"aubergine", "eggplant"}));
  EXPECT_EQ(v.classes[0].count, 12u);
  EXPECT_EQ(v.classes[0].synsets, (std::vector<std::uint32_t>{7713074, 12896000}));
  EXPECT_EQ(v.classes[1].name, "dog");  // a tie with "dogs": the smaller name
  EXPECT_EQ(v.classes[1].count, 6u);
  EXPECT_EQ(report.hashtags, 6u);
  EXPECT_EQ(report.below_min_count, 1u);  // crane
  EXPECT_EQ(report.no_synsets, 1u);       // newyork
  EXPECT_EQ(report.count_no_synsets, 100u);
}

TEST(Vocabulary, JsonRoundTrip) {
  BuildReport report;
  const Vocabulary v = build_vocabulary(
      system_wordnet(), {{"dog", 4}, {"crane", 9}, {"icecream", 2}, {"dogs", 1}}, 1, report);
  const Vocabulary back = read_vocabulary(scratch_file("vocab.json", vocabulary_json(v)));
  ASSERT_EQ(back.classes.size(), 3u);
  for (std::size_t c = 0; c < v.classes.size(); ++c) {
    EXPECT_EQ(back.classes[c].name, v.classes[c].name);
    EXPECT_EQ(back.classes[c].synsets, v.classes[c].synsets);
    EXPECT_EQ(back.classes[c].hashtags, v.classes[c].hashtags);
    EXPECT_EQ(back.classes[c].count, v.classes[c].count);
  }
  EXPECT_EQ(read_vocabulary(scratch_file("empty.json", vocabulary_json({}))).classes.size(), 0u);
}

TEST(Vocabulary, BadVocabularyFiles) {
  const auto code_and_message = [](const char* name, const char* text) {
    return error_of([&] { read_vocabulary(scratch_file(name, text)); });
  };
  EXPECT_EQ(code_and_message("not.json", "{").first, ExitCode::input);
  const auto [code, message] = code_and_message(
      "bad_wnid.json",
      R"({"format": "swag-vocab", "format_version": 1, "min_count": 1, "num_classes": 1,
          "classes": [{"id": 0, "name": "x", "synsets": ["dog"], "hashtags": ["x"], "count": 1}],
          "hashtags": {"x": 0}})");
  EXPECT_EQ(code, ExitCode::input);
  EXPECT_NE(message.find("classes[0]: 'dog' is not a wnid"), std::string::npos) << message;
  const auto [code2, message2] = code_and_message(
      "bad_map.json",
      R"({"format": "swag-vocab", "format_version": 1, "min_count": 1, "num_classes": 1,
          "classes": [{"id": 0, "name": "x", "synsets": ["n02084071"], "hashtags": ["x"],
                       "count": 1}],
          "hashtags": {"x": 0, "y": 0}})");
  EXPECT_EQ(code2, ExitCode::input);
  EXPECT_NE(message2.find("'hashtags' lists hashtags of no class"), std::string::npos) << message2;
  EXPECT_EQ(error_of([] { read_vocabulary("/nonexistent/vocab.json"); }).first, ExitCode::io);
}

TEST(HashtagCounts, LowercasesStripsAndSums) {
  const auto counts = read_hashtag_counts(
      scratch_file("counts.tsv", "#Dog\t3\n#dog\t2\nCat\t1\r\n\n##ice_cream\t0\n"));
  EXPECT_EQ(counts,
            (std::map<std::string, std::uint64_t>{{"cat", 1}, {"dog", 5}, {"ice_cream", 0}}));
}

TEST(HashtagCounts, BadLinesNameFileAndLine) {
  for (const char* line : {"dog 3", "dog\t-1", "dog\tthree", "#\t3", "dog\t3\t4", "d\xffg\t3",
                           "dog\t99999999999999999999"}) {
    const std::string path = scratch_file("bad_counts.tsv", std::string("cat\t1\n") + line + "\n");
    const auto [code, message] = error_of([&] { read_hashtag_counts(path); });
    EXPECT_EQ(code, ExitCode::input) << line;
    EXPECT_NE(message.find(path + ":2:"), std::string::npos) << message;
  }
}
