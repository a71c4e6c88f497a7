#include "swag/vocab/synset_id.hpp"

#include <algorithm>
#include <charconv>

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {

std::string wnid(std::uint32_t noun_offset) {
  return fmt::format("n{:08d}", noun_offset);
}

std::optional<std::uint32_t> parse_wnid(std::string_view text) {
  if (text.size() != 9 || text.front() != 'n') return std::nullopt;
  const std::string_view digits = text.substr(1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint32_t offset = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), offset);
  return offset;
}

std::string nltk_name(const WordNet& wordnet, const SynsetRecord& noun) {
  SWAG_CHECK(!noun.words.empty(), "synset {} has no lemma", noun.offset);
  const std::string lemma = ascii_lower(std::string(noun.words.front()));
  const auto offsets = wordnet.index().offsets(lemma, Pos::noun);
  const auto found = std::find(offsets.begin(), offsets.end(), noun.offset);
  if (found == offsets.end())
    fail(ExitCode::input, "{}: synset {} is not listed under its lemma '{}'",
         wordnet.data_path(Pos::noun), noun.offset, lemma);
  return fmt::format("{}.n.{:02d}", lemma, found - offsets.begin() + 1);
}

}  // namespace swag::vocab
