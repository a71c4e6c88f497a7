#include "swag/vocab/vocabulary_file.hpp"

#include <nlohmann/json.hpp>
#include <type_traits>

#include "swag/core/error.hpp"
#include "swag/vocab/synset_id.hpp"
#include "swag/vocab/text.hpp"

namespace swag::vocab {
namespace {

using Json = nlohmann::json;                 // for reading: ordered_json's objects are slow to fill
using OrderedJson = nlohmann::ordered_json;  // for writing: keys in the documented order

constexpr int kFormatVersion = 1;

OrderedJson class_json(std::size_t id, const VocabClass& c) {
  OrderedJson synsets = OrderedJson::array();
  for (const std::uint32_t offset : c.synsets) synsets.push_back(wnid(offset));
  return OrderedJson{{"id", id},
                     {"name", c.name},
                     {"synsets", std::move(synsets)},
                     {"hashtags", c.hashtags},
                     {"count", c.count}};
}

// Reads one field, turning a missing key or wrong type into an input error naming it.
template <class T>
T field(const Json& object, const std::string& key, const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end()) fail(ExitCode::input, "{}: missing '{}'", where, key);
  if constexpr (std::is_unsigned_v<T>)
    if (!found->is_number_unsigned())
      fail(ExitCode::input, "{}: '{}' is not a non-negative integer", where, key);
  try {
    return found->get<T>();
  } catch (const Json::exception&) {
    fail(ExitCode::input, "{}: '{}' has the wrong type", where, key);
  }
}

VocabClass read_class(const Json& object, std::size_t id, const std::string& where) {
  if (!object.is_object()) fail(ExitCode::input, "{}: not an object", where);
  if (field<std::size_t>(object, "id", where) != id)
    fail(ExitCode::input, "{}: 'id' is not {}", where, id);
  VocabClass c;
  c.name = field<std::string>(object, "name", where);
  c.hashtags = field<std::vector<std::string>>(object, "hashtags", where);
  c.count = field<std::uint64_t>(object, "count", where);
  for (const std::string& text : field<std::vector<std::string>>(object, "synsets", where)) {
    const auto offset = parse_wnid(text);
    if (!offset) fail(ExitCode::input, "{}: '{}' is not a wnid", where, text);
    c.synsets.push_back(*offset);
  }
  if (c.synsets.empty()) fail(ExitCode::input, "{}: no synsets", where);
  return c;
}

}  // namespace

std::string vocabulary_json(const Vocabulary& vocabulary) {
  std::string text = fmt::format(
      "{{\n  \"format\": \"swag-vocab\",\n  \"format_version\": {},\n  \"min_count\": {},\n"
      "  \"num_classes\": {},\n  \"classes\": [",
      kFormatVersion, vocabulary.min_count, vocabulary.classes.size());
  for (std::size_t id = 0; id < vocabulary.classes.size(); ++id)
    text += (id ? ",\n    " : "\n    ") + class_json(id, vocabulary.classes[id]).dump();
  text += vocabulary.classes.empty() ? "],\n  \"hashtags\": {" : "\n  ],\n  \"hashtags\": {";
  bool first = true;
  for (std::size_t id = 0; id < vocabulary.classes.size(); ++id)
    for (const std::string& hashtag : vocabulary.classes[id].hashtags) {
      text +=
          (first ? "\n    " : ",\n    ") + OrderedJson(hashtag).dump() + ": " + std::to_string(id);
      first = false;
    }
  text += first ? "}\n}\n" : "\n  }\n}\n";
  return text;
}

Vocabulary read_vocabulary(const std::string& path) {
  const Json root = Json::parse(read_text_file(path), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    fail(ExitCode::input, "{}: not a JSON object", path);
  if (field<std::string>(root, "format", path) != "swag-vocab" ||
      field<int>(root, "format_version", path) != kFormatVersion)
    fail(ExitCode::input, "{}: not a swag-vocab file of format_version {}", path, kFormatVersion);
  Vocabulary vocabulary;
  vocabulary.min_count = field<std::uint64_t>(root, "min_count", path);
  const auto classes = field<Json>(root, "classes", path);
  if (!classes.is_array()) fail(ExitCode::input, "{}: 'classes' is not an array", path);
  for (std::size_t id = 0; id < classes.size(); ++id)
    vocabulary.classes.push_back(
        read_class(classes[id], id, fmt::format("{}: classes[{}]", path, id)));
  if (field<std::size_t>(root, "num_classes", path) != vocabulary.classes.size())
    fail(ExitCode::input, "{}: 'num_classes' is not the number of classes", path);
  // The raw -> class map repeats the classes' lists; it must agree with them.
  const auto map = field<Json>(root, "hashtags", path);
  std::size_t listed = 0;
  for (std::size_t id = 0; id < vocabulary.classes.size(); ++id)
    for (const std::string& hashtag : vocabulary.classes[id].hashtags) {
      ++listed;
      const auto found = map.is_object() ? map.find(hashtag) : map.end();
      if (found == map.end() || *found != id)
        fail(ExitCode::input, "{}: 'hashtags' does not map '{}' to class {}", path, hashtag, id);
    }
  if (map.size() != listed)
    fail(ExitCode::input, "{}: 'hashtags' lists hashtags of no class", path);
  return vocabulary;
}

}  // namespace swag::vocab
