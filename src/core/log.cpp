#include "swag/core/log.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace swag::log {
namespace {

const auto start = std::chrono::steady_clock::now();
int current_rank = 0;
Level level = Level::info;

bool all_ranks() {
  const char* v = std::getenv("SWAG_LOG_ALL_RANKS");
  return v && std::strcmp(v, "1") == 0;
}

}  // namespace

void set_rank(int r) {
  current_rank = r;
}
int rank() {
  return current_rank;
}
void set_level(Level l) {
  level = l;
}

bool enabled(Level l) {
  if (l < level) return false;
  return current_rank == 0 || l >= Level::warn || all_ranks();
}

void write(Level l, std::string_view message) {
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const char* tag = l == Level::warn ? " warning:" : (l == Level::error ? " error:" : "");
  // The local wall-clock time, to line the log up with the scheduler's and the file system's.
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  char clock[32] = "?";
  if (localtime_r(&now, &local) != nullptr)
    std::strftime(clock, sizeof clock, "%Y-%m-%d %H:%M:%S", &local);
  // stderr, unbuffered: progress must show up in Slurm logs as it happens.
  fmt::print(stderr, "[swag r{} {} +{:.1f}s]{} {}\n", current_rank, clock, t, tag, message);
}

}  // namespace swag::log
