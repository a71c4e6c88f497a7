#include "swag/vocab/synset_record.hpp"

#include <charconv>

#include "swag/vocab/text.hpp"

namespace swag::vocab {
namespace {

template <class T>
std::optional<T> parse_number(std::string_view field, int base) {
  T value{};
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value, base);
  if (field.empty() || error != std::errc() || end != field.data() + field.size())
    return std::nullopt;
  return value;
}

}  // namespace

std::optional<SynsetRecord> parse_synset_line(std::string_view line) {
  std::string_view rest = line.substr(0, line.find('|'));  // the gloss follows '|'
  SynsetRecord record;
  const auto offset = parse_number<std::uint32_t>(next_field(rest), 10);
  const auto lex_filenum = parse_number<int>(next_field(rest), 10);
  const std::string_view ss_type = next_field(rest);
  const auto word_count = parse_number<unsigned>(next_field(rest), 16);
  if (!offset || !lex_filenum || ss_type.size() != 1 || !word_count) return std::nullopt;
  record.offset = *offset;
  record.lex_filenum = *lex_filenum;
  record.ss_type = ss_type.front();
  for (unsigned i = 0; i < *word_count; ++i) {
    const std::string_view word = next_field(rest);
    if (word.empty() || next_field(rest).empty()) return std::nullopt;  // word, then its lex_id
    record.words.push_back(word);
  }
  const auto pointer_count = parse_number<unsigned>(next_field(rest), 10);
  if (!pointer_count) return std::nullopt;
  for (unsigned i = 0; i < *pointer_count; ++i) {
    const std::string_view symbol = next_field(rest);
    const auto target = parse_number<std::uint32_t>(next_field(rest), 10);
    const std::string_view target_pos = next_field(rest);
    const std::string_view source_target = next_field(rest);
    if (symbol.empty() || !target || target_pos.empty() || source_target.size() != 4)
      return std::nullopt;
    if (source_target != "0000") continue;  // a lexical pointer between two lemmas
    if (symbol == "@") record.hypernyms.push_back(*target);
    if (symbol == "@i") record.instance_hypernyms.push_back(*target);
  }
  return record;
}

}  // namespace swag::vocab
