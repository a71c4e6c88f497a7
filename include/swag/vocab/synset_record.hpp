// One synset as a line of data.<pos> describes it (wndb(5WN)): what the vocabulary needs of it.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace swag::vocab {

struct SynsetRecord {
  std::uint32_t offset = 0;  // byte offset of the line in data.<pos>; wnid "n%08d" for nouns
  int lex_filenum = 0;       // index into the lexnames
  char ss_type = 'n';        // n, v, a, s (adjective satellite), r
  std::vector<std::string_view> words;  // lemmas as written (adjectives may carry "(p)" markers)
  // Synset-to-synset pointers "@" and "@i" (lexical pointers excluded, as NLTK's
  // hypernyms() and instance_hypernyms() do); their targets are in the same data file.
  std::vector<std::uint32_t> hypernyms, instance_hypernyms;
};

// Parses a data line (views point into `line`); nullopt when it does not follow the format.
std::optional<SynsetRecord> parse_synset_line(std::string_view line);

}  // namespace swag::vocab
