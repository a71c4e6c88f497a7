// swag verify-checkpoint: re-reads checkpoints and checks their SHA-256 (doc/checkpoints.md).
#include <fmt/format.h>

#include "swag/apps/commands.hpp"
#include "swag/train/checkpoint.hpp"

namespace swag::apps {

Command add_verify_checkpoint(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  app.add_option("paths", *paths, "checkpoint files")->required();
  return [paths] {
    int damaged = 0;
    for (const auto& path : *paths) {
      const auto why = train::CheckpointStore::verify(path);
      fmt::print("{}: {}\n", path, why ? "DAMAGED: " + *why : "ok");
      damaged += why.has_value();
    }
    if (damaged) fail(ExitCode::input, "{} of {} checkpoints are damaged", damaged, paths->size());
  };
}

}  // namespace swag::apps
