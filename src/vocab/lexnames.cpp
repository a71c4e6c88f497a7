#include "swag/vocab/lexnames.hpp"

#include <charconv>
#include <sstream>

#include "swag/core/error.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {

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
