// The database reader on known entries of WordNet 3.0, and its errors on broken directories.
#include <filesystem>

#include "swag/vocab/synset_id.hpp"
#include "swag/vocab/text.hpp"
#include "swag/vocab/wordnet.hpp"
#include "vocab_test_util.hpp"

using namespace swag;
using namespace swag::vocab;
using test::error_of;
using test::system_wordnet;

TEST(WordNet, IndexListsSensesInOrder) {
  const auto dog = system_wordnet().index().offsets("dog", Pos::noun);
  ASSERT_EQ(dog.size(), 7u);
  EXPECT_EQ(dog[0], 2084071u);  // dog.n.01
  EXPECT_EQ(system_wordnet().index().offsets("dog", Pos::verb).size(), 1u);
  EXPECT_TRUE(system_wordnet().index().offsets("dog", Pos::adj).empty());
  EXPECT_TRUE(system_wordnet().index().offsets("Dog", Pos::noun).empty());
  EXPECT_TRUE(system_wordnet().index().contains("ice_cream", Pos::noun));
}

TEST(WordNet, ExceptionLists) {
  const auto* geese = system_wordnet().exceptions(Pos::noun).find("geese");
  ASSERT_NE(geese, nullptr);
  EXPECT_EQ(*geese, std::vector<std::string_view>{"goose"});
  const auto* axes = system_wordnet().exceptions(Pos::noun).find("axes");
  ASSERT_NE(axes, nullptr);
  EXPECT_EQ(*axes, (std::vector<std::string_view>{"ax", "axis"}));
  EXPECT_EQ(system_wordnet().exceptions(Pos::noun).find("dogs"), nullptr);
}

TEST(WordNet, SynsetAtOffset) {
  const SynsetRecord dog = system_wordnet().synset(Pos::noun, 2084071);
  EXPECT_EQ(system_wordnet().lexname(dog.lex_filenum), "noun.animal");
  EXPECT_EQ(dog.words.front(), "dog");
  EXPECT_EQ(dog.hypernyms, (std::vector<std::uint32_t>{2083346, 1317541}));  // canine, pet
  EXPECT_EQ(nltk_name(system_wordnet(), dog), "dog.n.01");
  const SynsetRecord einstein = system_wordnet().synset(Pos::noun, 10954498);
  EXPECT_TRUE(einstein.hypernyms.empty());
  EXPECT_EQ(einstein.instance_hypernyms, std::vector<std::uint32_t>{10428004});  // physicist
  EXPECT_FALSE(system_wordnet().find_synset(Pos::noun, 2084072).has_value());    // mid-line
  EXPECT_EQ(error_of([] { system_wordnet().synset(Pos::noun, 2084072); }).first, ExitCode::input);
}

TEST(WordNet, Wnids) {
  EXPECT_EQ(wnid(1440764), "n01440764");
  EXPECT_EQ(parse_wnid("n01440764"), 1440764u);
  for (const char* bad : {"n0144076", "n014407640", "v01440764", "n0144076x", ""})
    EXPECT_FALSE(parse_wnid(bad).has_value()) << bad;
}

TEST(WordNet, StandardLexnamesAreTheProjectsCopy) {
  EXPECT_EQ(standard_lexnames(), read_lexnames(SWAG_SOURCE_DIR "/inputs/wordnet/lexnames.txt"));
}

TEST(WordNet, MissingDirectoryOrFileIsAnIoError) {
  const auto [code, message] = error_of([] { WordNet wordnet("/nonexistent/wordnet"); });
  EXPECT_EQ(code, ExitCode::io);
  EXPECT_NE(message.find("/nonexistent/wordnet"), std::string::npos) << message;

  const std::string dir = testing::TempDir() + "/swag_vocab_partial_wordnet";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(SWAG_WORDNET_DIR "/index.noun", dir + "/index.noun",
                             std::filesystem::copy_options::overwrite_existing);
  const auto [code2, message2] = error_of([&] { WordNet wordnet(dir); });
  EXPECT_EQ(code2, ExitCode::io);
  EXPECT_NE(message2.find(dir + "/data.noun"), std::string::npos) << message2;
}

// A directory whose files are all empty except one broken line.
TEST(WordNet, MalformedLinesAreInputErrorsNamingFileAndLine) {
  const auto broken = [](const std::string& name, const std::string& file, const char* text) {
    const std::string dir = testing::TempDir() + "/swag_vocab_broken_" + name;
    std::filesystem::create_directories(dir);
    for (const Pos pos : kAllPos) {
      const std::string suffix(file_suffix(pos));
      for (const std::string& f : {"index." + suffix, "data." + suffix, suffix + ".exc"})
        std::ofstream(fmt::format("{}/{}", dir, f), std::ios::trunc) << (f == file ? text : "");
    }
    return error_of([&] { WordNet wordnet(dir); });
  };
  auto [code, message] = broken("index", "index.verb", "  license\nrun v two 0 1 0 0\n");
  EXPECT_EQ(code, ExitCode::input);
  EXPECT_NE(message.find("index.verb:2"), std::string::npos) << message;
  std::tie(code, message) = broken("exc", "noun.exc", "geese goose\n\n");
  EXPECT_EQ(code, ExitCode::input);
  EXPECT_NE(message.find("noun.exc:2"), std::string::npos) << message;
}
