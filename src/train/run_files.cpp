#include "swag/train/run_files.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "swag/core/atomic_file.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/train/provenance.hpp"

namespace swag::train {

Metrics::Metrics(const std::string& run_dir, bool active) {
  if (!active) return;
  path_ = (std::filesystem::path(run_dir) / "metrics.jsonl").string();
  out_.open(path_, std::ios::app);
  if (!out_) fail(ExitCode::io, "{}: cannot open: {}", path_, std::strerror(errno));
}

void Metrics::write(const nlohmann::ordered_json& record) {
  if (!out_.is_open()) return;
  out_ << record.dump() << '\n' << std::flush;
  // a full disk must stop the run, not leave metrics.jsonl silently short
  if (!out_) fail(ExitCode::io, "{}: cannot write: {}", path_, std::strerror(errno));
}

void write_run_config(const std::string& run_dir, const std::string& toml) {
  std::filesystem::create_directories(run_dir);
  write_file_atomically((std::filesystem::path(run_dir) / "config.toml").string(),
                        provenance_comment() + toml);
}

void write_results(const std::string& run_dir, nlohmann::ordered_json results,
                   const nlohmann::ordered_json& summary) {
  results["summary"] = summary;
  results["provenance"] = provenance_json();
  write_file_atomically((std::filesystem::path(run_dir) / "results.json").string(),
                        results.dump(2) + "\n");
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<std::int64_t>(std::llround(seconds));
  return fmt::format("{}:{:02d}:{:02d}", s / 3600, s / 60 % 60, s % 60);
}

namespace {

// " key value" for each field, floats to 3 digits.
std::string shown(const nlohmann::ordered_json& fields) {
  std::string out;
  for (const auto& [key, value] : fields.items())
    out += fmt::format(
        " {} {}", key,
        value.is_number_float() ? fmt::format("{:.3g}", value.get<double>()) : value.dump());
  return out;
}

}  // namespace

Progress::Progress(std::int64_t global_batch, std::int64_t total_steps)
    : global_batch_(global_batch),
      total_steps_(total_steps),
      start_(Clock::now()),
      window_(start_) {}

void Progress::step(double loss, bool skipped) {
  ++steps_;
  ++total_steps_run_;
  if (skipped)
    ++skipped_;
  else
    loss_sum_ += loss;
}

void Progress::report(std::int64_t step, double lr, Metrics& metrics,
                      nlohmann::ordered_json fields) {
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - window_).count();
  const double steps = static_cast<double>(std::max<std::int64_t>(1, steps_));
  const double images_per_s = static_cast<double>(steps_ * global_batch_) / seconds;
  const double eta = seconds / steps * static_cast<double>(total_steps_ - step);
  const double loss = loss_sum_ / static_cast<double>(std::max<std::int64_t>(1, steps_ - skipped_));
  const double wait_per_step = window_wait_s_ / steps;
  const double wait_fraction = seconds > 0 ? window_wait_s_ / seconds : 0.0;
  fields["comm_wait_s"] = window_comm_s_ / steps;
  log::info(
      "step {}/{} loss {:.4f} lr {:.4g}{} {:.1f} images/s data wait {:.3g} s/step ({:.1f}%) ETA {}",
      step, total_steps_, loss, lr, shown(fields), images_per_s, wait_per_step, 100 * wait_fraction,
      format_duration(eta));
  nlohmann::ordered_json record{{"step", step}, {"loss", loss}, {"lr", lr}};
  record.update(fields);
  record["skipped"] = skipped_;
  record["images_per_s"] = images_per_s;
  record["data_wait_s"] = wait_per_step;
  record["data_wait_fraction"] = wait_fraction;
  record["wall_s"] = std::chrono::duration<double>(now - start_).count();
  metrics.write(record);
  window_ = now;
  steps_ = skipped_ = 0;
  loss_sum_ = window_wait_s_ = window_comm_s_ = 0;
}

nlohmann::ordered_json Progress::finish(const std::string& what, std::int64_t checkpoints,
                                        double checkpoint_seconds,
                                        nlohmann::ordered_json fields) const {
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const double images_per_s =
      seconds > 0 ? static_cast<double>(total_steps_run_ * global_batch_) / seconds : 0.0;
  const double wait_fraction = seconds > 0 ? total_wait_s_ / seconds : 0.0;
  fields["comm_wait_s"] = total_comm_s_;
  log::info(
      "{}: done, {} steps in {}, {:.1f} images/s, {:.1f}% waiting for data, {} checkpoint{} "
      "in {:.1f} s{}",
      what, total_steps_run_, format_duration(seconds), images_per_s, 100 * wait_fraction,
      checkpoints, checkpoints == 1 ? "" : "s", checkpoint_seconds, shown(fields));
  nlohmann::ordered_json summary;
  summary["steps"] = total_steps_run_;
  summary["seconds"] = seconds;
  summary["images_per_s"] = images_per_s;
  summary["data_wait_s"] = total_wait_s_;
  summary["data_wait_fraction"] = wait_fraction;
  summary["checkpoints"] = checkpoints;
  summary["checkpoint_s"] = checkpoint_seconds;
  summary.update(fields);
  return summary;
}

}  // namespace swag::train
