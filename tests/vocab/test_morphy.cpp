// morphy against answers NLTK 3.8 gives on WordNet 3.0 (its doctests and a few more).
#include "swag/vocab/morphy.hpp"
#include "vocab_test_util.hpp"

using namespace swag::vocab;
using test::system_wordnet;
using Forms = std::vector<std::string>;

namespace {

std::string first(std::string_view form, std::optional<Pos> pos = std::nullopt) {
  return morphy(system_wordnet(), form, pos).value_or("<none>");
}

}  // namespace

TEST(Morphy, NltkDoctests) {
  EXPECT_EQ(first("dogs"), "dog");
  EXPECT_EQ(first("churches"), "church");
  EXPECT_EQ(first("aardwolves"), "aardwolf");
  EXPECT_EQ(first("abaci"), "abacus");
  EXPECT_EQ(first("hardrock", Pos::adv), "<none>");
  EXPECT_EQ(first("book", Pos::noun), "book");
  EXPECT_EQ(first("book", Pos::adj), "<none>");
}

TEST(Morphy, FirstAnalysisTriesNounVerbAdjectiveAdverb) {
  EXPECT_EQ(first("ran"), "run");          // verb.exc
  EXPECT_EQ(first("bigger"), "bigger");    // adj.exc lists the form itself first
  EXPECT_EQ(first("running"), "running");  // a noun before the verb "run"
  EXPECT_EQ(first("running", Pos::verb), "run");
  EXPECT_EQ(first("women"), "woman");
  EXPECT_EQ(first("sing"), "sing");
}

TEST(Morphy, CaseSensitiveLikeNltk) {
  EXPECT_EQ(first("Dogs"), "<none>");
  EXPECT_EQ(first("DOG"), "<none>");
}

TEST(Morphy, EveryAnalysisInNltksOrder) {
  const WordNet& wn = system_wordnet();
  EXPECT_EQ(morphy_forms(wn, "glasses", Pos::noun), (Forms{"glasses", "glass"}));
  EXPECT_EQ(morphy_forms(wn, "axes", Pos::noun), (Forms{"ax", "axis"}));
  EXPECT_EQ(morphy_forms(wn, "axes", Pos::verb), (Forms{"axe", "ax"}));
  EXPECT_EQ(morphy_forms(wn, "oxen", Pos::noun), (Forms{"oxen", "ox"}));
  EXPECT_EQ(morphy_forms(wn, "flies", Pos::noun), (Forms{"flies", "fly"}));
  EXPECT_EQ(morphy_forms(wn, "better", Pos::adj), (Forms{"better", "good", "well"}));
  EXPECT_EQ(morphy_forms(wn, "best", Pos::adj), (Forms{"best", "good"}));
  EXPECT_EQ(morphy_forms(wn, "bigger", Pos::adj), (Forms{"bigger", "big"}));
  EXPECT_TRUE(morphy_forms(wn, "hardrocks", Pos::noun).empty());
}
