#include "swag/vocab/hashtag_counts.hpp"

#include <charconv>

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"
#include "swag/vocab/utf8.hpp"

namespace swag::vocab {

std::map<std::string, std::uint64_t> read_hashtag_counts(const std::string& path) {
  std::map<std::string, std::uint64_t> counts;
  for_each_line(read_text_file(path), [&](std::size_t line_number, std::string_view line) {
    if (line.empty()) return;
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos)
      fail(ExitCode::input, "{}:{}: expected 'hashtag<TAB>count'", path, line_number);
    std::string_view hashtag = line.substr(0, tab);
    const std::string_view count_text = line.substr(tab + 1);
    hashtag.remove_prefix(std::min(hashtag.find_first_not_of('#'), hashtag.size()));
    if (hashtag.empty()) fail(ExitCode::input, "{}:{}: empty hashtag", path, line_number);
    if (!code_point_offsets(hashtag))
      fail(ExitCode::input, "{}:{}: hashtag is not valid UTF-8", path, line_number);
    std::uint64_t count = 0;
    const auto [end, error] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (count_text.empty() || error != std::errc() || end != count_text.data() + count_text.size())
      fail(ExitCode::input, "{}:{}: count '{}' is not a non-negative integer", path, line_number,
           count_text);
    std::uint64_t& total = counts[ascii_lower(std::string(hashtag))];
    if (total + count < total) fail(ExitCode::input, "{}:{}: count overflows", path, line_number);
    total += count;
  });
  return counts;
}

}  // namespace swag::vocab
