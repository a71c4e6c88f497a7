#include "swag/core/file_bytes.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "swag/core/error.hpp"

namespace swag {
namespace {

// Reads the whole file into out; on failure returns the reason.
template <class Buffer>
std::optional<std::string> read_whole(const std::string& path, Buffer& out) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"),
                                                          &std::fclose);
  if (!f) return fmt::format("cannot open: {}", std::strerror(errno));
  char chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    out.insert(out.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) return fmt::format("read error: {}", std::strerror(errno));
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> try_read_file_bytes(const std::string& path,
                                                             std::string& reason) {
  std::vector<std::uint8_t> bytes;
  if (auto failure = read_whole(path, bytes)) {
    reason = std::move(*failure);
    return std::nullopt;
  }
  return bytes;
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::vector<std::uint8_t> bytes;
  if (auto failure = read_whole(path, bytes)) fail(ExitCode::io, "{}: {}", path, *failure);
  return bytes;
}

std::string read_file_text(const std::string& path) {
  std::string text;
  if (auto failure = read_whole(path, text)) fail(ExitCode::io, "{}: {}", path, *failure);
  return text;
}

}  // namespace swag
