// WordNet's morphological analysis as NLTK 3.8 implements it (WordNetCorpusReader._morphy and
// morphy), so that the vocabulary agrees with Listing 1 run by NLTK. Case-sensitive: the
// database's lemmas are lowercase, so a form with capitals finds nothing, as in NLTK.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "swag/vocab/pos.hpp"
#include "swag/vocab/wordnet.hpp"

namespace swag::vocab {

// NLTK's _morphy: if `form` is in <pos>.exc, the form and its listed bases that are lemmas of
// `pos` (and nothing else); otherwise the form and its one-step detachments that are lemmas, or
// failing that the first round of repeated detachments that yields any. NLTK's order, no repeats.
std::vector<std::string> morphy_forms(const WordNet& wordnet, std::string_view form, Pos pos);

// NLTK's morphy: the first analysis; without a part of speech, the first over noun, verb,
// adjective, adverb. nullopt when there is none.
std::optional<std::string> morphy(const WordNet& wordnet, std::string_view form,
                                  std::optional<Pos> pos = std::nullopt);

}  // namespace swag::vocab
