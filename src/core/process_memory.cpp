#include "swag/core/process_memory.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace swag {

ProcessMemory process_memory() {
  ProcessMemory m;
  std::ifstream status("/proc/self/status");
  std::string key;
  std::int64_t kib = 0;
  while (status >> key) {
    if (key == "RssAnon:" || key == "RssFile:" || key == "VmHWM:") {
      status >> kib;
      (key == "RssAnon:" ? m.rss_anon : key == "RssFile:" ? m.rss_file : m.peak_rss) = kib * 1024;
    }
    status.ignore(1 << 20, '\n');
  }
  return m;
}

std::int64_t open_file_descriptors() {
  std::error_code ec;
  std::int64_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

}  // namespace swag
