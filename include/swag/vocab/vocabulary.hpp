// The canonical hashtag classes of DESIGN §4 (doc/formats.md, vocab.json): raw hashtags with
// equal Listing 1 synset sets form one class; hashtags with none are dropped.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "swag/vocab/wordnet.hpp"

namespace swag::vocab {

struct VocabClass {
  std::string name;                    // the most frequent raw hashtag (ties: smallest)
  std::vector<std::uint32_t> synsets;  // noun offsets, ascending
  std::vector<std::string> hashtags;   // ascending
  std::uint64_t count = 0;             // sum of the hashtags' counts
};

struct Vocabulary {
  std::uint64_t min_count = 1;
  std::vector<VocabClass> classes;  // descending count, then name; the id is the position
};

// What build_vocabulary kept and dropped, in raw hashtags and their counts.
struct BuildReport {
  std::size_t hashtags = 0, below_min_count = 0, no_synsets = 0;
  std::uint64_t count = 0, count_below_min_count = 0, count_no_synsets = 0;
  // The most frequent hashtags with no synset, most frequent first (at most 10).
  std::vector<std::pair<std::string, std::uint64_t>> top_no_synsets;
};

// Hashtags whose count is below min_count are dropped before canonicalization.
Vocabulary build_vocabulary(const WordNet& wordnet,
                            const std::map<std::string, std::uint64_t>& hashtag_counts,
                            std::uint64_t min_count, BuildReport& report);

}  // namespace swag::vocab
