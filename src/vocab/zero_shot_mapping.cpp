#include "swag/vocab/zero_shot_mapping.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "swag/vocab/synset_id.hpp"

namespace swag::vocab {

std::string zero_shot_mapping_json(const Vocabulary& vocabulary, const std::string& vocab_sha256,
                                   const std::vector<TargetClass>& targets) {
  using Json = nlohmann::ordered_json;
  std::string text = fmt::format(
      "{{\n  \"format\": \"swag-zeroshot-mapping\",\n  \"format_version\": 1,\n"
      "  \"vocab_sha256\": \"{}\",\n  \"num_targets\": {},\n  \"num_classes\": {},\n"
      "  \"targets\": [",
      vocab_sha256, targets.size(), vocabulary.classes.size());
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const TargetClass& target = targets[t];
    Json names = Json::array();
    for (const std::size_t c : target.match.classes) names.push_back(vocabulary.classes[c].name);
    const Json line = {
        {"target", t},
        {"wnid", wnid(target.offset)},
        {"synset", target.synset_name},
        {"distance", target.match.distance ? Json(*target.match.distance) : Json(nullptr)},
        {"similarity", target.match.distance ? Json(target.match.similarity()) : Json(nullptr)},
        {"classes", target.match.classes},
        {"names", std::move(names)}};
    text += (t ? ",\n    " : "\n    ") + line.dump();
  }
  text += targets.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return text;
}

}  // namespace swag::vocab
