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
  std::string path_;
  std::ofstream out_;
};

// <run_dir>/config.toml: the resolved deck (rank 0 calls it), creating the folder, after a header
// of TOML comment lines with the provenance (train/provenance.hpp): comments, so the file reads
// as the same deck, and the deck's hash (Config::hash, of the deck itself) does not change.
void write_run_config(const std::string& run_dir, const std::string& toml);

// <run_dir>/results.json (rank 0 calls it): `results`, then the loop's "summary" and the
// "provenance" (train/provenance.hpp).
void write_results(const std::string& run_dir, nlohmann::ordered_json results,
                   const nlohmann::ordered_json& summary);

// Seconds as h:mm:ss ("0:01:32", "27:46:40"); negative or non-finite as "?".
std::string format_duration(double seconds);

// The progress of a training loop since its last report: the mean loss of the updates made,
// images/s, the time the steps waited for data and the time left; every report is a log line and
// a metrics record, and finish() sums up the whole loop. Both trainers use it.
class Progress {
 public:
  Progress(std::int64_t global_batch, std::int64_t total_steps);
  // One step done; a skipped update (non-finite loss) does not count in the mean loss.
  void step(double loss, bool skipped = false);
  // Runs `fill` (the loader's call for the next batch) and counts its time as waiting for data.
  template <class Fill>
  void wait_for_data(Fill fill) {
    const auto t0 = Clock::now();
    fill();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    window_wait_s_ += s;
    total_wait_s_ += s;
  }
  // The step waited `seconds` for its gradient sums after backward (doc/scaling.md): reported,
  // after the fields, as comm_wait_s, per step in each report and in all at the finish.
  void waited_for_gradients(double seconds) {
    window_comm_s_ += seconds;
    total_comm_s_ += seconds;
  }
  bool due(std::int64_t step, std::int64_t every) const {
    return step % every == 0 || step == total_steps_;
  }
  // Logs "step s/T loss .. lr ..<fields> .. images/s data wait .. s/step (..%) ETA h:mm:ss", writes
  // {"step", "loss", "lr", <fields>, "skipped", "images_per_s", "data_wait_s",
  // "data_wait_fraction", "wall_s"} and starts a new window.
  void report(std::int64_t step, double lr, Metrics& metrics,
              nlohmann::ordered_json fields = nlohmann::ordered_json::object());
  // The end of the loop: logs "<what>: done, S steps in h:mm:ss, X images/s, P% waiting for
  // data, K checkpoints in C s" and returns it for results.json's "summary": {"steps",
  // "seconds", "images_per_s", "data_wait_s", "data_wait_fraction", "checkpoints",
  // "checkpoint_s", <fields>} (the steps this process ran, since the Progress was made); the
  // fields are also logged, as on a report line.
  nlohmann::ordered_json finish(
      const std::string& what, std::int64_t checkpoints, double checkpoint_seconds,
      nlohmann::ordered_json fields = nlohmann::ordered_json::object()) const;

 private:
  using Clock = std::chrono::steady_clock;
  std::int64_t global_batch_, total_steps_;
  Clock::time_point start_, window_;
  std::int64_t steps_ = 0, skipped_ = 0, total_steps_run_ = 0;
  double loss_sum_ = 0, window_wait_s_ = 0, total_wait_s_ = 0, window_comm_s_ = 0,
         total_comm_s_ = 0;
};

}  // namespace swag::train
