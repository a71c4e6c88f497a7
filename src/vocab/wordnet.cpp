#include "swag/vocab/wordnet.hpp"

#include <charconv>
#include <filesystem>
#include <sstream>

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {

WordNet::WordNet(const std::string& dir) : dir_(dir) {
  if (!std::filesystem::is_directory(dir))
    fail(ExitCode::io, "{}: WordNet directory not found", dir);
  for (const Pos pos : kAllPos) {
    const auto p = static_cast<std::size_t>(pos);
    const std::string index_path = fmt::format("{}/index.{}", dir, file_suffix(pos));
    const std::string exception_path = fmt::format("{}/{}.exc", dir, file_suffix(pos));
    index_text_[p] = read_text_file(index_path);
    data_[p] = read_text_file(data_path(pos));
    exception_text_[p] = read_text_file(exception_path);
    index_.add_file(pos, index_text_[p], index_path);
    exceptions_[p] = ExceptionList(exception_text_[p], exception_path);
  }
  const std::string lexnames_path = dir + "/lexnames";
  lexnames_ =
      std::filesystem::exists(lexnames_path) ? read_lexnames(lexnames_path) : standard_lexnames();
}

std::string WordNet::data_path(Pos pos) const {
  return fmt::format("{}/data.{}", dir_, file_suffix(pos));
}

std::optional<SynsetRecord> WordNet::find_synset(Pos pos, std::uint32_t offset) const {
  const std::string_view text = data(pos);
  if (offset >= text.size() || (offset > 0 && text[offset - 1] != '\n')) return std::nullopt;
  const std::string_view line = text.substr(offset, text.find('\n', offset) - offset);
  if (line.size() < 8 || line.substr(0, 8) != fmt::format("{:08d}", offset)) return std::nullopt;
  auto record = parse_synset_line(line);
  if (!record || record->lex_filenum < 0 ||
      record->lex_filenum >= static_cast<int>(lexnames_.size()))
    fail(ExitCode::input, "{}: malformed synset line at offset {}", data_path(pos), offset);
  return record;
}

SynsetRecord WordNet::synset(Pos pos, std::uint32_t offset) const {
  auto record = find_synset(pos, offset);
  if (!record) fail(ExitCode::input, "{}: no synset at offset {}", data_path(pos), offset);
  return *std::move(record);
}

std::vector<std::string> standard_lexnames() {
  return {"adj.all",          "adj.pert",           "adv.all",
          "noun.Tops",        "noun.act",           "noun.animal",
          "noun.artifact",    "noun.attribute",     "noun.body",
          "noun.cognition",   "noun.communication", "noun.event",
          "noun.feeling",     "noun.food",          "noun.group",
          "noun.location",    "noun.motive",        "noun.object",
          "noun.person",      "noun.phenomenon",    "noun.plant",
          "noun.possession",  "noun.process",       "noun.quantity",
          "noun.relation",    "noun.shape",         "noun.state",
          "noun.substance",   "noun.time",          "verb.body",
          "verb.change",      "verb.cognition",     "verb.communication",
          "verb.competition", "verb.consumption",   "verb.contact",
          "verb.creation",    "verb.emotion",       "verb.motion",
          "verb.perception",  "verb.possession",    "verb.social",
          "verb.stative",     "verb.weather",       "adj.ppl"};
}

std::vector<std::string> read_lexnames(const std::string& path) {
  std::vector<std::string> names;
  for_each_line(read_text_file(path), [&](std::size_t line_number, std::string_view line) {
    std::istringstream fields{std::string(line)};
    std::string number, name, category;
    int value = -1;
    const bool ok = static_cast<bool>(fields >> number >> name >> category) &&
                    std::from_chars(number.data(), number.data() + number.size(), value).ptr ==
                        number.data() + number.size() &&
                    value == static_cast<int>(names.size());
    if (!ok)
      fail(ExitCode::input, "{}:{}: expected '{:02d}<TAB>lexname<TAB>category'", path, line_number,
           names.size());
    names.push_back(name);
  });
  return names;
}

}  // namespace swag::vocab
