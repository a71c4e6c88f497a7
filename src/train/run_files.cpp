#include "swag/train/run_files.hpp"

#include <filesystem>

#include "swag/core/atomic_file.hpp"
#include "swag/core/log.hpp"

namespace swag::train {

Metrics::Metrics(const std::string& run_dir, bool active) {
  if (active) out_.open(std::filesystem::path(run_dir) / "metrics.jsonl", std::ios::app);
}

void Metrics::write(const nlohmann::ordered_json& record) {
  if (out_.is_open()) out_ << record.dump() << '\n' << std::flush;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  AtomicOutput out(path);
  std::ofstream(out.temp_path()) << text;
  out.commit();
}

void write_run_config(const std::string& run_dir, const std::string& toml) {
  std::filesystem::create_directories(run_dir);
  write_text_atomically((std::filesystem::path(run_dir) / "config.toml").string(), toml);
}

Progress::Progress(std::int64_t global_batch, std::int64_t total_steps)
    : global_batch_(global_batch),
      total_steps_(total_steps),
      start_(Clock::now()),
      window_(start_) {}

void Progress::step(double loss, bool skipped) {
  ++steps_;
  if (skipped)
    ++skipped_;
  else
    loss_sum_ += loss;
}

void Progress::report(std::int64_t step, double lr, Metrics& metrics,
                      const nlohmann::ordered_json& fields) {
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - window_).count();
  const double images_per_s = static_cast<double>(steps_ * global_batch_) / seconds;
  const double eta = seconds / static_cast<double>(std::max<std::int64_t>(1, steps_)) *
                     static_cast<double>(total_steps_ - step);
  const double loss = loss_sum_ / static_cast<double>(std::max<std::int64_t>(1, steps_ - skipped_));
  std::string shown;
  for (const auto& [key, value] : fields.items())
    shown += fmt::format(
        " {} {}", key,
        value.is_number_float() ? fmt::format("{:.3g}", value.get<double>()) : value.dump());
  log::info("step {}/{} loss {:.4f} lr {:.4g}{} {:.1f} images/s ETA {:.0f}s", step, total_steps_,
            loss, lr, shown, images_per_s, eta);
  nlohmann::ordered_json record{{"step", step}, {"loss", loss}, {"lr", lr}};
  record.update(fields);
  record["skipped"] = skipped_;
  record["images_per_s"] = images_per_s;
  record["wall_s"] = std::chrono::duration<double>(now - start_).count();
  metrics.write(record);
  window_ = now;
  steps_ = skipped_ = 0;
  loss_sum_ = 0;
}

}  // namespace swag::train
