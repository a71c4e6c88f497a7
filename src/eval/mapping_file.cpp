#include "swag/eval/mapping_file.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "swag/core/error.hpp"
#include "swag/core/json_integer.hpp"

namespace swag::eval {

MappingFile read_mapping_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ExitCode::io, "{}: cannot open the mapping", path);
  MappingFile m;
  try {
    const auto j = nlohmann::json::parse(in);
    if (j.at("format") != "swag-zeroshot-mapping")
      fail(ExitCode::input, "{}: not a swag zero-shot mapping (format != swag-zeroshot-mapping)",
           path);
    m.num_classes = json_integer<std::int64_t>(j.at("num_classes"));
    m.vocab_sha256 = j.at("vocab_sha256").get<std::string>();
    const auto& targets = j.at("targets");
    m.mapping.resize(targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) {
      if (json_integer<std::size_t>(targets[t].at("target")) != t)
        fail(ExitCode::input, "{}: targets[{}] has target {}, expected {}", path, t,
             targets[t].at("target").dump(), t);
      for (const auto& c : targets[t].at("classes")) {
        const auto id = json_integer<std::int64_t>(c);
        if (id < 0 || id >= m.num_classes)
          fail(ExitCode::input, "{}: target {} maps to class {} of {}", path, t, id, m.num_classes);
        m.mapping[t].push_back(static_cast<std::size_t>(id));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ExitCode::input, "{}: bad mapping: {}", path, e.what());
  }
  return m;
}

}  // namespace swag::eval
