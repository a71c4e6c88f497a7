// Logging with the rank, the local wall-clock time and the seconds since the process started:
// "[swag r0 2026-12-06 22:41:07 +12.3s] message". Rank 0 logs at info
// level by default; other ranks only warnings and errors, unless SWAG_LOG_ALL_RANKS=1.
#pragma once
#include <fmt/format.h>

#include <string_view>

namespace swag::log {

enum class Level { debug, info, warn, error };

void set_rank(int rank);
int rank();
void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view message);

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warn)) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace swag::log
