// WordNet's parts of speech, listed in the order NLTK's morphy tries them when given none.
#pragma once
#include <array>
#include <string_view>

namespace swag::vocab {

enum class Pos : unsigned char { noun, verb, adj, adv };

inline constexpr std::array<Pos, 4> kAllPos = {Pos::noun, Pos::verb, Pos::adj, Pos::adv};

// "noun", "verb", "adj", "adv": the suffix of index.* and data.*, the stem of *.exc.
constexpr std::string_view file_suffix(Pos pos) {
  constexpr std::array<std::string_view, 4> names = {"noun", "verb", "adj", "adv"};
  return names[static_cast<int>(pos)];
}

// 'n', 'v', 'a', 'r': the part-of-speech letter of index lines and pointers.
constexpr char pos_letter(Pos pos) {
  return "nvar"[static_cast<int>(pos)];
}

}  // namespace swag::vocab
