// swag vocab lookup | build | map: the hashtag vocabulary (Listing 1) and the zero-shot mapping
// (App. D). The work is in vocab/; this file reads arguments and writes files.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/core/atomic_file.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/core/sha256.hpp"
#include "swag/vocab/hashtag_counts.hpp"
#include "swag/vocab/hashtag_synsets.hpp"
#include "swag/vocab/synset_id.hpp"
#include "swag/vocab/text.hpp"
#include "swag/vocab/utf8.hpp"
#include "swag/vocab/vocabulary_file.hpp"
#include "swag/vocab/zero_shot_mapping.hpp"

namespace swag::apps {
namespace {

using namespace swag::vocab;

// {"hashtag": h, "synsets": [wnid...]}
std::string lookup_line(const WordNet& wordnet, std::string_view hashtag) {
  std::string line = "{\"hashtag\": " + nlohmann::json(hashtag).dump() + ", \"synsets\": [";
  const auto synsets = hashtag_synsets(wordnet, hashtag);
  for (std::size_t i = 0; i < synsets.size(); ++i)
    line += (i ? ", \"" : "\"") + wnid(synsets[i]) + "\"";
  return line + "]}\n";
}

void lookup(const std::string& wordnet_dir, const std::string& input,
            const std::vector<std::string>& hashtags) {
  if (input.empty() == hashtags.empty())
    fail(ExitCode::usage, "vocab lookup: give either --input FILE or hashtags");
  const WordNet wordnet(wordnet_dir);
  std::string out;
  const auto flush = [&out] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };
  const auto add = [&](std::string_view hashtag, const std::string& where) {
    if (!code_point_offsets(hashtag)) fail(ExitCode::input, "{}: not valid UTF-8", where);
    out += lookup_line(wordnet, hashtag);
    if (out.size() > (1 << 16)) flush();
  };
  if (!input.empty()) {
    for_each_line(read_text_file(input), [&](std::size_t line_number, std::string_view line) {
      add(line, fmt::format("{}:{}", input, line_number));
    });
  }
  for (std::size_t i = 0; i < hashtags.size(); ++i)
    add(hashtags[i], fmt::format("hashtag argument {}", i + 1));
  flush();
  if (std::fflush(stdout) != 0) fail(ExitCode::io, "vocab lookup: cannot write to stdout");
}

void build(const std::string& wordnet_dir, const std::string& counts_path,
           const std::string& output, std::uint64_t min_count) {
  const WordNet wordnet(wordnet_dir);
  BuildReport r;
  const Vocabulary vocabulary =
      build_vocabulary(wordnet, read_hashtag_counts(counts_path), min_count, r);
  write_file_atomically(output, vocabulary_json(vocabulary));
  const std::size_t kept = r.hashtags - r.below_min_count - r.no_synsets;
  log::info("vocab build: {} raw hashtags (count {}) from {}", r.hashtags, r.count, counts_path);
  log::info(
      "vocab build: dropped {} below min-count {} (count {}), {} with no allowed synset "
      "(count {})",
      r.below_min_count, min_count, r.count_below_min_count, r.no_synsets, r.count_no_synsets);
  std::string dropped;
  for (const auto& [hashtag, count] : r.top_no_synsets)
    dropped += fmt::format("{}{} ({})", dropped.empty() ? "" : ", ", hashtag, count);
  if (!dropped.empty()) log::info("vocab build: most frequent without synsets: {}", dropped);
  log::info("vocab build: kept {} hashtags (count {}) in {} classes -> {}", kept,
            r.count - r.count_below_min_count - r.count_no_synsets, vocabulary.classes.size(),
            output);
}

// The target wnids, one per line; each must name a noun synset of this WordNet.
std::vector<std::uint32_t> read_targets(const std::string& path, const NounGraph& graph) {
  std::vector<std::uint32_t> offsets;
  for_each_line(read_text_file(path), [&](std::size_t line_number, std::string_view line) {
    const auto offset = parse_wnid(line);
    if (!offset) fail(ExitCode::input, "{}:{}: '{}' is not a wnid", path, line_number, line);
    if (!graph.node(*offset))
      fail(ExitCode::input, "{}:{}: {} is not a WordNet noun synset", path, line_number, line);
    offsets.push_back(*offset);
  });
  return offsets;
}

void map(const std::string& wordnet_dir, const std::string& vocab_path,
         const std::string& classes_path, const std::string& output) {
  const WordNet wordnet(wordnet_dir);
  const NounGraph graph(wordnet);
  const Vocabulary vocabulary = read_vocabulary(vocab_path);
  std::vector<std::vector<NounGraph::Node>> class_nodes;
  for (std::size_t c = 0; c < vocabulary.classes.size(); ++c) {
    auto& nodes = class_nodes.emplace_back();
    for (const std::uint32_t offset : vocabulary.classes[c].synsets) {
      const auto node = graph.node(offset);
      if (!node)
        fail(ExitCode::input, "{}: classes[{}]: {} is not a WordNet noun synset", vocab_path, c,
             wnid(offset));
      nodes.push_back(*node);
    }
  }
  const NearestClasses nearest(graph, class_nodes);
  std::vector<TargetClass> targets;
  std::size_t exact = 0;
  for (const std::uint32_t offset : read_targets(classes_path, graph)) {
    TargetClass& target = targets.emplace_back();
    target.offset = offset;
    target.synset_name = nltk_name(wordnet, wordnet.synset(Pos::noun, offset));
    target.match = nearest.match(*graph.node(offset));
    exact += target.match.distance == 0u;
  }
  write_file_atomically(output,
                        zero_shot_mapping_json(vocabulary, sha256_file(vocab_path), targets));
  log::info("vocab map: {} targets, {} of them a vocabulary synset, against {} classes -> {}",
            targets.size(), exact, vocabulary.classes.size(), output);
}

}  // namespace

Command add_vocab(CLI::App& app) {
  struct Options {
    std::string wordnet, input, hashtags_path, output, vocab, classes;
    std::vector<std::string> hashtags;
    std::uint64_t min_count = 2;  // the paper keeps hashtags used more than once (App. A)
  };
  auto o = std::make_shared<Options>();
  app.require_subcommand(1);
  auto wordnet_option = [&](CLI::App* sub) {
    sub->add_option("--wordnet", o->wordnet, "WordNet 3.0 database directory")->required();
  };

  CLI::App* lookup_cmd = app.add_subcommand("lookup", "print each hashtag's Listing 1 synsets");
  wordnet_option(lookup_cmd);
  auto* input = lookup_cmd->add_option("--input", o->input, "file of hashtags, one per line");
  lookup_cmd->add_option("hashtags", o->hashtags, "hashtags (as given: no lowercasing)")
      ->excludes(input);

  CLI::App* build_cmd = app.add_subcommand("build", "build vocab.json from hashtag counts");
  wordnet_option(build_cmd);
  build_cmd->add_option("--hashtags", o->hashtags_path, "lines hashtag<TAB>count")->required();
  build_cmd->add_option("--output", o->output, "vocab.json to write")->required();
  build_cmd->add_option("--min-count", o->min_count, "drop hashtags counted fewer times")
      ->capture_default_str();

  CLI::App* map_cmd = app.add_subcommand("map", "map target classes to vocabulary classes");
  wordnet_option(map_cmd);
  map_cmd->add_option("--vocab", o->vocab, "vocab.json")->required();
  map_cmd->add_option("--classes", o->classes, "target wnids, one per line")->required();
  map_cmd->add_option("--output", o->output, "mapping.json to write")->required();

  return [o, lookup_cmd, build_cmd, map_cmd] {
    if (lookup_cmd->parsed()) lookup(o->wordnet, o->input, o->hashtags);
    if (build_cmd->parsed()) build(o->wordnet, o->hashtags_path, o->output, o->min_count);
    if (map_cmd->parsed()) map(o->wordnet, o->vocab, o->classes, o->output);
  };
}

}  // namespace swag::apps
