// NLTK's path_similarity on the noun graph, and the zero-shot search that replaces pairwise
// comparisons: both against answers NLTK 3.8 gives, and against each other.
#include <random>

#include "swag/vocab/nearest_classes.hpp"
#include "vocab_test_util.hpp"

using namespace swag::vocab;
using test::system_wordnet;
using Node = NounGraph::Node;

namespace {

const NounGraph& graph() {
  static const NounGraph g(system_wordnet());
  return g;
}

Node node(std::uint32_t offset) {
  return graph().node(offset).value();
}

constexpr std::uint32_t kDog = 2084071, kCat = 2121620, kWolf = 2114100, kEntity = 1740,
                        kEinstein = 10954498, kPhysicist = 10428004, kHotdog = 7697537;

}  // namespace

TEST(PathSimilarity, NltkValues) {
  EXPECT_EQ(path_similarity(graph(), node(kDog), node(kCat)), 0.2);
  EXPECT_EQ(path_similarity(graph(), node(kDog), node(kWolf)), 1.0 / 3);
  EXPECT_EQ(path_similarity(graph(), node(kDog), node(kDog)), 1.0);
  EXPECT_EQ(shortest_path_distance(graph(), node(kDog), node(kEntity)), 8u);
  EXPECT_EQ(shortest_path_distance(graph(), node(kDog), node(kHotdog)), 15u);
}

TEST(PathSimilarity, FollowsInstanceHypernyms) {
  EXPECT_EQ(path_similarity(graph(), node(kEinstein), node(kPhysicist)), 0.5);
  EXPECT_EQ(shortest_path_distance(graph(), node(kDog), node(kEinstein)), 7u);
}

// NLTK simulates a root only for synsets that need one, and nouns do not: that is harmless
// only because every WordNet 3.0 noun reaches entity.n.01.
TEST(PathSimilarity, EveryNounReachesEntity) {
  const Node entity = node(kEntity);
  std::vector<char> reaches(graph().size(), 0);
  std::vector<Node> todo = {entity};
  reaches[entity] = 1;
  while (!todo.empty()) {
    const Node n = todo.back();
    todo.pop_back();
    for (const Node child : graph().children(n))
      if (!reaches[child]) reaches[child] = 1, todo.push_back(child);
  }
  EXPECT_EQ(std::count(reaches.begin(), reaches.end(), 1), static_cast<long>(graph().size()));
  EXPECT_EQ(graph().size(), 82115u);
}

TEST(NearestClasses, AgreesWithPairwisePathSimilarity) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<Node> any(0, static_cast<Node>(graph().size() - 1));
  std::vector<std::vector<Node>> classes(300);
  for (auto& c : classes)
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) c.push_back(any(rng));
  const NearestClasses nearest(graph(), classes);
  for (int t = 0; t < 20; ++t) {
    const Node target = any(rng);
    std::uint32_t best = UINT32_MAX;
    std::vector<std::size_t> expected;
    for (std::size_t c = 0; c < classes.size(); ++c) {
      std::uint32_t d = UINT32_MAX;
      for (const Node s : classes[c]) d = std::min(d, *shortest_path_distance(graph(), s, target));
      if (d < best) best = d, expected.clear();
      if (d == best) expected.push_back(c);
    }
    const TargetMatch match = nearest.match(target);
    EXPECT_EQ(match.distance, best);
    EXPECT_EQ(match.classes, expected);
  }
  EXPECT_FALSE(NearestClasses(graph(), {}).match(node(kDog)).distance.has_value());
}
