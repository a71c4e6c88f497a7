// The files of a run directory besides checkpoints (DESIGN §5): metrics.jsonl, appended across
// restarts, and whole files (config.toml, results.json) replaced atomically.
#pragma once
#include <chrono>
#include <cstdint>
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

// <run_dir>/config.toml: the resolved deck (rank 0 calls it), creating the folder.
void write_run_config(const std::string& run_dir, const std::string& toml);

// The progress of a training loop since its last report: the mean loss of the updates made,
// images/s and the time left; every report is a log line and a metrics record.
class Progress {
 public:
  Progress(std::int64_t global_batch, std::int64_t total_steps);
  // One step done; a skipped update (non-finite loss) does not count in the mean loss.
  void step(double loss, bool skipped = false);
  bool due(std::int64_t step, std::int64_t every) const {
    return step % every == 0 || step == total_steps_;
  }
  // Logs "step s/T loss .. lr ..<fields> .. images/s ETA ..s", writes {"step", "loss", "lr",
  // <fields>, "skipped", "images_per_s", "wall_s"} and starts a new window.
  void report(std::int64_t step, double lr, Metrics& metrics,
              const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

 private:
  using Clock = std::chrono::steady_clock;
  std::int64_t global_batch_, total_steps_;
  Clock::time_point start_, window_;
  std::int64_t steps_ = 0, skipped_ = 0;
  double loss_sum_ = 0;
};

}  // namespace swag::train
