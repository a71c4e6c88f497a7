// This process's memory as Linux reports it (/proc/self/status), for the scale benchmarks:
// private (anonymous) pages, file-backed pages (a memory-mapped file's pages are shared with
// every process that maps it), and the peak resident set. Zeros where not available.
#pragma once
#include <cstdint>

namespace swag {

struct ProcessMemory {
  std::int64_t rss_anon = 0;  // bytes of private (anonymous) resident memory
  std::int64_t rss_file = 0;  // bytes of resident file-backed pages (shared through the cache)
  std::int64_t peak_rss = 0;  // VmHWM: the most resident at once, both kinds
};

ProcessMemory process_memory();
// File descriptors this process has open now (/proc/self/fd).
std::int64_t open_file_descriptors();

}  // namespace swag
