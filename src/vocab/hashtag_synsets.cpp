#include "swag/vocab/hashtag_synsets.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "swag/core/error.hpp"
#include "swag/vocab/morphy.hpp"
#include "swag/vocab/text.hpp"
#include "swag/vocab/utf8.hpp"

namespace swag::vocab {
namespace {

bool allowed(const std::string& lexname) {
  return std::find(kAllowedLexnames.begin(), kAllowedLexnames.end(), lexname) !=
         kAllowedLexnames.end();
}

// NLTK's wordnet.synsets(word), noun part only: the other parts of speech have no allowed
// lexname. It lowercases (index lemmas are ASCII, so ASCII lowercasing is Python's) and runs
// _morphy again, keeping every analysis.
void add_noun_synsets(const WordNet& wordnet, const std::string& word,
                      std::vector<std::uint32_t>& out) {
  for (const std::string& form : morphy_forms(wordnet, ascii_lower(word), Pos::noun))
    for (const std::uint32_t offset : wordnet.index().offsets(form, Pos::noun))
      if (allowed(wordnet.lexname(wordnet.synset(Pos::noun, offset).lex_filenum)))
        out.push_back(offset);
}

}  // namespace

std::vector<std::uint32_t> hashtag_synsets(const WordNet& wordnet, std::string_view hashtag) {
  const auto offsets = code_point_offsets(hashtag);
  if (!offsets) fail(ExitCode::input, "hashtag '{}' is not valid UTF-8", hashtag);
  const std::size_t length = offsets->size() - 1;
  if (length < kMinHashtagLength) return {};

  std::set<std::string> words;
  if (auto word = morphy(wordnet, hashtag, Pos::noun)) words.insert(std::move(*word));
  for (std::size_t i = kMinHashtagLength; i + kMinHashtagLength <= length; ++i) {
    const std::size_t split = (*offsets)[i];
    const std::string candidate =
        std::string(hashtag.substr(0, split)) + "_" + std::string(hashtag.substr(split));
    if (auto word = morphy(wordnet, candidate)) words.insert(std::move(*word));
  }

  std::vector<std::uint32_t> synsets;
  for (const std::string& word : words) add_noun_synsets(wordnet, word, synsets);
  std::sort(synsets.begin(), synsets.end());
  synsets.erase(std::unique(synsets.begin(), synsets.end()), synsets.end());
  return synsets;
}

}  // namespace swag::vocab
