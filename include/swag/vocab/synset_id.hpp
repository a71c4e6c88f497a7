// Names of noun synsets: ImageNet's wnid "n%08d" (the offset in WordNet 3.0's data.noun) and
// NLTK's "lemma.n.NN" (first lemma, lowercased, and its sense number).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "swag/vocab/wordnet.hpp"

namespace swag::vocab {

std::string wnid(std::uint32_t noun_offset);

// The offset of "n" followed by 8 digits; nullopt for anything else.
std::optional<std::uint32_t> parse_wnid(std::string_view text);

// NLTK's Synset.name() of a noun synset, e.g. "tench.n.01".
std::string nltk_name(const WordNet& wordnet, const SynsetRecord& noun);

}  // namespace swag::vocab
