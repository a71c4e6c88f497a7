#include "swag/vocab/noun_graph.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <unordered_map>

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {
namespace {

constexpr std::uint32_t kUnreached = std::numeric_limits<std::uint32_t>::max();

}  // namespace

NounGraph::NounGraph(const WordNet& wordnet) {
  std::vector<std::vector<std::uint32_t>> parent_offsets;
  std::string_view text = wordnet.data(Pos::noun);
  for_each_line(text, [&](std::size_t line_number, std::string_view line) {
    if (line.starts_with(' ')) return;  // the license header
    const auto record = parse_synset_line(line);
    if (!record)
      fail(ExitCode::input, "{}:{}: malformed synset line", wordnet.data_path(Pos::noun),
           line_number);
    offsets_.push_back(record->offset);
    parent_offsets.push_back(record->hypernyms);
    parent_offsets.back().insert(parent_offsets.back().end(), record->instance_hypernyms.begin(),
                                 record->instance_hypernyms.end());
  });

  std::vector<std::vector<Node>> children(size());
  parents_.begin.push_back(0);
  for (Node n = 0; n < size(); ++n) {
    for (const std::uint32_t parent_offset : parent_offsets[n]) {
      const auto parent = node(parent_offset);
      if (!parent)
        fail(ExitCode::input, "{}: synset {} points to no synset at offset {}",
             wordnet.data_path(Pos::noun), offsets_[n], parent_offset);
      parents_.nodes.push_back(*parent);
      children[*parent].push_back(n);
    }
    parents_.begin.push_back(static_cast<std::uint32_t>(parents_.nodes.size()));
  }
  children_.begin.push_back(0);
  for (const auto& row_nodes : children) {
    children_.nodes.insert(children_.nodes.end(), row_nodes.begin(), row_nodes.end());
    children_.begin.push_back(static_cast<std::uint32_t>(children_.nodes.size()));
  }
}

std::optional<NounGraph::Node> NounGraph::node(std::uint32_t offset) const {
  const auto found = std::lower_bound(offsets_.begin(), offsets_.end(), offset);
  if (found == offsets_.end() || *found != offset) return std::nullopt;
  return static_cast<Node>(found - offsets_.begin());
}

std::vector<std::pair<NounGraph::Node, std::uint32_t>> NounGraph::ancestor_distances(
    Node start) const {
  std::vector<std::pair<Node, std::uint32_t>> found = {{start, 0}};
  std::unordered_map<Node, std::uint32_t> seen = {{start, 0}};
  for (std::size_t i = 0; i < found.size(); ++i) {  // breadth first: found grows by level
    const auto [n, distance] = found[i];
    for (const Node parent : parents(n))
      if (seen.emplace(parent, distance + 1).second) found.emplace_back(parent, distance + 1);
  }
  return found;
}

std::optional<std::uint32_t> shortest_path_distance(const NounGraph& graph, NounGraph::Node a,
                                                    NounGraph::Node b) {
  if (a == b) return 0;
  const auto from_b = graph.ancestor_distances(b);
  std::unordered_map<NounGraph::Node, std::uint32_t> up_from_b(from_b.begin(), from_b.end());
  std::uint32_t best = kUnreached;
  for (const auto& [ancestor, distance] : graph.ancestor_distances(a))
    if (const auto found = up_from_b.find(ancestor); found != up_from_b.end())
      best = std::min(best, distance + found->second);
  if (best == kUnreached) return std::nullopt;
  return best;
}

std::optional<double> path_similarity(const NounGraph& graph, NounGraph::Node a,
                                      NounGraph::Node b) {
  const auto distance = shortest_path_distance(graph, a, b);
  if (!distance) return std::nullopt;
  return 1.0 / (*distance + 1.0);
}

}  // namespace swag::vocab
