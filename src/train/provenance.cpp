#include "swag/train/provenance.hpp"

#include "swag/core/build_info.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/ops/device.hpp"

namespace swag::train {

const Provenance& provenance() {
  static const Provenance p{std::string(build::version()), std::string(build::commit()),
                            ops::backends_description(), build::compiler(),
                            dist::mpi_library_version()};
  return p;
}

nlohmann::ordered_json provenance_json() {
  const Provenance& p = provenance();
  return {{"version", p.version},
          {"commit", p.commit},
          {"backends", p.backends},
          {"compiler", p.compiler},
          {"mpi", p.mpi}};
}

std::string provenance_comment() {
  // JSON strings are valid TOML basic strings for this text, and escape any newline, so every
  // entry stays on its comment line.
  std::string text = "# [provenance] written by swag; comments, not part of the deck\n";
  const nlohmann::ordered_json j = provenance_json();
  for (const auto& [key, value] : j.items()) text += "# " + key + " = " + value.dump() + "\n";
  return text + "\n";
}

std::string version_text() {
  const Provenance& p = provenance();
  std::string text = "swag " + p.version + "\ncommit: " + p.commit + "\nbackends: " + p.backends;
  const std::string gpus = ops::visible_gpus_description();
  if (!gpus.empty()) text += "\ngpus: " + gpus;
  text += "\ncompiler: " + p.compiler + "\nmpi: " + p.mpi;
  return text;
}

}  // namespace swag::train
