#include "swag/data/hashtag_labels.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "swag/core/error.hpp"
#include "swag/core/file_bytes.hpp"
#include "swag/core/json_integer.hpp"
#include "swag/core/sha256.hpp"

namespace swag::data {

std::string normalize_hashtag(std::string_view raw) {
  raw.remove_prefix(std::min(raw.find_first_not_of('#'), raw.size()));
  std::string out(raw);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

HashtagLabels HashtagLabels::load(const std::string& path) {
  const std::string text = read_file_text(path);
  HashtagLabels labels;
  labels.sha256_ = sha256_hex({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("format").get<std::string>() != "swag-vocab")
      fail(ExitCode::input, "{}: not a swag vocabulary (format is not 'swag-vocab')", path);
    labels.num_classes_ = json_integer<std::int64_t>(j.at("num_classes"));
    for (const auto& [hashtag, id] : j.at("hashtags").items()) {
      const auto c = json_integer<std::int64_t>(id);
      if (c < 0 || c >= labels.num_classes_)
        fail(ExitCode::input, "{}: hashtag '{}' maps to class {}, outside [0, {})", path, hashtag,
             c, labels.num_classes_);
      labels.class_of_.emplace(hashtag, static_cast<std::int32_t>(c));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ExitCode::input, "{}: bad vocabulary: {}", path, e.what());
  }
  return labels;
}

std::vector<std::int32_t> HashtagLabels::classes_of(const std::vector<std::string>& raw) const {
  std::vector<std::int32_t> classes;
  for (const auto& tag : raw)
    if (const auto it = class_of_.find(normalize_hashtag(tag)); it != class_of_.end())
      classes.push_back(it->second);
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  return classes;
}

}  // namespace swag::data
