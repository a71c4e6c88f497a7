// The zero-shot mapping of App. D: for a target synset, the vocabulary classes whose synsets
// reach it with the highest path similarity, ties kept. Instead of one NLTK path_similarity per
// (class synset, target) pair, a search from the target's ancestors down the hyponym edges
// meets the nearest class synsets first: a path through a common ancestor A has length
// up(target, A) + down(A, synset), so the first classes met have the shortest distance.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "swag/vocab/noun_graph.hpp"

namespace swag::vocab {

struct TargetMatch {
  std::optional<std::uint32_t> distance;  // NLTK's shortest_path_distance; nullopt: no class
  std::vector<std::size_t> classes;       // every class at that distance, ascending ids
  double similarity() const { return distance ? 1.0 / (*distance + 1.0) : 0.0; }
};

class NearestClasses {
 public:
  // class_synsets[c]: the nodes of class c's synsets.
  NearestClasses(const NounGraph& graph,
                 const std::vector<std::vector<NounGraph::Node>>& class_synsets);

  TargetMatch match(NounGraph::Node target) const;

 private:
  const NounGraph& graph_;
  std::vector<std::uint32_t> first_class_;  // per node: range of node_classes_ (size()+1)
  std::vector<std::size_t> node_classes_;
};

}  // namespace swag::vocab
