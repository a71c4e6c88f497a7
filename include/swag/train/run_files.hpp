// The files of a run directory besides checkpoints (DESIGN §5): metrics.jsonl, appended across
// restarts, and whole files (config.toml, results.json) replaced atomically.
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace swag::train {

// Appends JSON lines to <run>/metrics.jsonl when active (rank 0); a resumed run continues it.
class Metrics {
 public:
  Metrics(const std::string& run_dir, bool active);
  void write(const nlohmann::ordered_json& record);

 private:
  std::ofstream out_;
};

// Temporary file, fsync, rename: readers see the old text or the new, never a part.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace swag::train
