// The index.<pos> files: lemma -> synset offsets per part of speech, as NLTK's
// _lemma_pos_offset_map holds them. Keys and offsets view the file texts, which must outlive it.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "swag/vocab/key_filter.hpp"
#include "swag/vocab/pos.hpp"

namespace swag::vocab {

class LemmaIndex {
 public:
  // Adds every lemma line of index.<pos> (license lines start with a space); a malformed line
  // is an input error naming path:line.
  void add_file(Pos pos, std::string_view text, const std::string& path);

  // The lemma's synset offsets in that part of speech, in sense order; empty when absent.
  std::span<const std::uint32_t> offsets(std::string_view lemma, Pos pos) const;
  bool contains(std::string_view lemma, Pos pos) const { return !offsets(lemma, pos).empty(); }

 private:
  struct Entry {
    std::array<std::uint32_t, 4> begin{}, count{};  // a range of offsets_ per part of speech
  };
  KeyFilter filter_{23};  // WordNet 3.0 has 147k lemmas
  std::unordered_map<std::string_view, Entry> entries_;
  std::vector<std::uint32_t> offsets_;
};

}  // namespace swag::vocab
