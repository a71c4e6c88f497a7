#include "swag/train/run_files.hpp"

#include <filesystem>

#include "swag/core/atomic_file.hpp"

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

}  // namespace swag::train
