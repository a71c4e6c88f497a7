// The paper's Listing 1 (App. A, get_synsets): a hashtag's WordNet noun synsets in the allowed
// lexicographer files, from morphy of the hashtag and of every split into two parts of at least
// MIN_LEN code points joined by "_". Taken literally: no lowercasing, no '#' stripping.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "swag/vocab/wordnet.hpp"

namespace swag::vocab {

inline constexpr std::size_t kMinHashtagLength = 3;  // Listing 1's MIN_LEN

// Listing 1's ALLOWED_SENSES as DESIGN §4 lists them. The printed listing lacks the comma after
// "noun.object", which in Python would join it with "noun.plant" and drop both; we read that
// as a typo (the text and DESIGN name six senses).
inline constexpr std::array<std::string_view, 6> kAllowedLexnames = {
    "noun.animal", "noun.artifact", "noun.food", "noun.object", "noun.plant", "noun.event"};

// The noun synset offsets (wnid "n%08d") of a hashtag, sorted; empty when it is filtered out.
// `hashtag` must be valid UTF-8 (lengths count code points, as Python's do).
std::vector<std::uint32_t> hashtag_synsets(const WordNet& wordnet, std::string_view hashtag);

}  // namespace swag::vocab
