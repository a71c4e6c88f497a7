#include "swag/vocab/lemma_index.hpp"

#include <charconv>

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {
namespace {

bool parse_count(std::string_view field, std::uint32_t& value) {
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  return !field.empty() && error == std::errc() && end == field.data() + field.size();
}

}  // namespace

void LemmaIndex::add_file(Pos pos, std::string_view text, const std::string& path) {
  const auto p = static_cast<std::size_t>(pos);
  for_each_line(text, [&](std::size_t line_number, std::string_view line) {
    if (line.starts_with(' ')) return;  // the license header
    auto bad = [&](std::string_view what) {
      fail(ExitCode::input, "{}:{}: malformed index line: {}", path, line_number, what);
    };
    std::string_view rest = line;
    const std::string_view lemma = next_field(rest);
    const std::string_view letter = next_field(rest);
    if (letter.size() != 1 || letter.front() != pos_letter(pos)) bad("wrong part of speech");
    std::uint32_t synsets = 0, pointers = 0, senses = 0, tagged = 0;
    if (!parse_count(next_field(rest), synsets) || synsets == 0) bad("synset count");
    if (!parse_count(next_field(rest), pointers)) bad("pointer count");
    for (std::uint32_t i = 0; i < pointers; ++i) next_field(rest);
    if (!parse_count(next_field(rest), senses) || senses != synsets) bad("sense count");
    if (!parse_count(next_field(rest), tagged)) bad("tagged sense count");
    filter_.add(lemma);
    Entry& entry = entries_[lemma];
    entry.begin[p] = static_cast<std::uint32_t>(offsets_.size());
    entry.count[p] = synsets;
    for (std::uint32_t i = 0; i < synsets; ++i) {
      std::uint32_t offset = 0;
      if (!parse_count(next_field(rest), offset)) bad("synset offset");
      offsets_.push_back(offset);
    }
  });
}

std::span<const std::uint32_t> LemmaIndex::offsets(std::string_view lemma, Pos pos) const {
  if (!filter_.may_contain(lemma)) return {};
  const auto found = entries_.find(lemma);
  if (found == entries_.end()) return {};
  const auto p = static_cast<std::size_t>(pos);
  return {offsets_.data() + found->second.begin[p], found->second.count[p]};
}

}  // namespace swag::vocab
