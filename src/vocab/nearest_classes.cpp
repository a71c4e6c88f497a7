#include "swag/vocab/nearest_classes.hpp"

#include <algorithm>

namespace swag::vocab {

NearestClasses::NearestClasses(const NounGraph& graph,
                               const std::vector<std::vector<NounGraph::Node>>& class_synsets)
    : graph_(graph) {
  std::vector<std::vector<std::size_t>> classes_of(graph.size());
  for (std::size_t c = 0; c < class_synsets.size(); ++c)
    for (const NounGraph::Node n : class_synsets[c]) classes_of[n].push_back(c);
  first_class_.push_back(0);
  for (const auto& classes : classes_of) {
    node_classes_.insert(node_classes_.end(), classes.begin(), classes.end());
    first_class_.push_back(static_cast<std::uint32_t>(node_classes_.size()));
  }
}

TargetMatch NearestClasses::match(NounGraph::Node target) const {
  // Nodes by tentative distance; a node counts at the first distance it is taken out.
  std::vector<std::vector<NounGraph::Node>> by_distance;
  for (const auto& [ancestor, up] : graph_.ancestor_distances(target)) {
    if (by_distance.size() <= up) by_distance.resize(up + 1);
    by_distance[up].push_back(ancestor);
  }
  std::vector<bool> done(graph_.size(), false);
  TargetMatch match;
  for (std::uint32_t distance = 0; distance < by_distance.size(); ++distance) {
    for (std::size_t i = 0; i < by_distance[distance].size(); ++i) {
      const NounGraph::Node n = by_distance[distance][i];
      if (done[n]) continue;
      done[n] = true;
      for (std::uint32_t k = first_class_[n]; k < first_class_[n + 1]; ++k)
        match.classes.push_back(node_classes_[k]);
      if (by_distance.size() <= distance + 1) by_distance.resize(distance + 2);
      for (const NounGraph::Node child : graph_.children(n))
        if (!done[child]) by_distance[distance + 1].push_back(child);
    }
    if (!match.classes.empty()) {
      match.distance = distance;
      break;
    }
  }
  std::sort(match.classes.begin(), match.classes.end());
  match.classes.erase(std::unique(match.classes.begin(), match.classes.end()), match.classes.end());
  return match;
}

}  // namespace swag::vocab
