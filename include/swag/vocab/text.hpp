// Text helpers for the line-oriented WordNet and vocabulary inputs: whole files, lines, fields,
// ASCII case.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace swag::vocab {

// The file's bytes; a missing or unreadable file is an io error naming it.
std::string read_text_file(const std::string& path);

// Calls fn(line_number, line) for each line (numbered from 1), without "\n" or "\r\n". A final
// line without "\n" counts; the empty piece after a final "\n" does not.
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++number, line);
  }
}

// Removes and returns the next field separated by spaces or tabs; empty when none is left.
inline std::string_view next_field(std::string_view& rest) {
  const std::size_t start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const std::string_view field = rest.substr(0, rest.find_first_of(" \t"));
  rest.remove_prefix(field.size());
  return field;
}

// Lowercases A-Z only (WordNet's lemmas are ASCII; other bytes pass through).
inline std::string ascii_lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

}  // namespace swag::vocab
