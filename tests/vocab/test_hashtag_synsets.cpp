// Listing 1 on known hashtags; the sets are what NLTK 3.8 gives on WordNet 3.0.
#include "swag/vocab/hashtag_synsets.hpp"
#include "swag/vocab/synset_id.hpp"
#include "vocab_test_util.hpp"

using namespace swag::vocab;
using test::system_wordnet;
using Wnids = std::vector<std::string>;

namespace {

Wnids wnids(std::string_view hashtag) {
  Wnids out;
  for (const std::uint32_t offset : hashtag_synsets(system_wordnet(), hashtag))
    out.push_back(wnid(offset));
  return out;
}

}  // namespace

TEST(HashtagSynsets, KeepsOnlyTheAllowedLexnames) {
  // dog.n.01 (animal), andiron and pawl (artifact), frank (food); not the noun.person senses.
  const Wnids dog = {"n02084071", "n02710044", "n03901548", "n07676602"};
  EXPECT_EQ(wnids("dog"), dog);
  EXPECT_EQ(wnids("dogs"), dog);
  // crane.n.05 (animal), crane.n.04 (artifact), grus.n.01 (noun.object)
  EXPECT_EQ(wnids("crane"), (Wnids{"n02012849", "n03126707", "n09295455"}));
}

TEST(HashtagSynsets, SynonymsShareOneSet) {
  const Wnids eggplant = {"n07713074", "n12896000"};  // food and plant
  EXPECT_EQ(wnids("eggplant"), eggplant);
  EXPECT_EQ(wnids("aubergine"), eggplant);
}

TEST(HashtagSynsets, SplitsIntoCompounds) {
  EXPECT_EQ(wnids("icecream"), Wnids{"n07614500"});
  EXPECT_EQ(wnids("hotdog"), (Wnids{"n07676602", "n07697537"}));
  // Every sense of both analyses of "glasses" (glasses and glass) that is an artifact.
  EXPECT_EQ(wnids("glasses"),
            (Wnids{"n03333129", "n03438257", "n03438661", "n03688832", "n03754295", "n04272054"}));
}

TEST(HashtagSynsets, FilteredHashtags) {
  for (const char* hashtag : {"newyork", "love", "instagood", "dogsofinstagram", "foodporn", "do",
                              "", "Dog", "DOGS", "café"})
    EXPECT_EQ(wnids(hashtag), Wnids{}) << hashtag;
}

TEST(HashtagSynsets, InvalidUtf8IsAnInputError) {
  EXPECT_EQ(test::error_of([] { wnids("dog\xff"); }).first, swag::ExitCode::input);
}
