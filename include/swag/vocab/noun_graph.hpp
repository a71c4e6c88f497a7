// The WordNet noun taxonomy as NLTK's path measures walk it: every noun synset, its hypernyms
// and instance hypernyms ("@", "@i"), and the reverse edges, in compressed rows.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "swag/vocab/wordnet.hpp"

namespace swag::vocab {

class NounGraph {
 public:
  using Node = std::uint32_t;

  // One pass over data.noun; a pointer to no synset is an input error.
  explicit NounGraph(const WordNet& wordnet);

  std::size_t size() const { return offsets_.size(); }
  std::optional<Node> node(std::uint32_t offset) const;
  std::uint32_t offset(Node node) const { return offsets_[node]; }
  std::span<const Node> parents(Node node) const { return row(parents_, node); }
  std::span<const Node> children(Node node) const { return row(children_, node); }

  // NLTK's _shortest_hypernym_paths(simulate_root=False): the node itself at 0 and every
  // ancestor with its fewest edges up.
  std::vector<std::pair<Node, std::uint32_t>> ancestor_distances(Node node) const;

 private:
  struct Rows {
    std::vector<std::uint32_t> begin;  // size() + 1 entries
    std::vector<Node> nodes;
  };
  static std::span<const Node> row(const Rows& rows, Node node) {
    return {rows.nodes.data() + rows.begin[node], rows.begin[node + 1] - rows.begin[node]};
  }

  std::vector<std::uint32_t> offsets_;  // ascending, as in the file
  Rows parents_, children_;
};

// NLTK 3.8's shortest_path_distance between two nouns: the fewest edges up from each to a
// common ancestor (0 for the same synset); nullopt when they share none.
std::optional<std::uint32_t> shortest_path_distance(const NounGraph& graph, NounGraph::Node a,
                                                    NounGraph::Node b);

// NLTK 3.8's path_similarity, 1 / (distance + 1). NLTK adds a simulated root only when a synset
// "needs" one, which nouns do not (except in WordNet 1.6), so none is added here; all WordNet
// 3.0 nouns share entity.n.01 anyway.
std::optional<double> path_similarity(const NounGraph& graph, NounGraph::Node a, NounGraph::Node b);

}  // namespace swag::vocab
