#include "swag/core/file_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "swag/core/error.hpp"

namespace swag {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Reads the whole file into out; on failure returns the reason. Only regular files: a FIFO
// would block for ever and /dev/zero never ends (opened non-blocking, then checked, so that
// opening a FIFO does not wait for a writer).
template <class Buffer>
std::optional<std::string> read_whole(const std::string& path, Buffer& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open: {}", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::string why = fmt::format("not a regular file ({})", kind_of(st.st_mode));
    ::close(fd);
    return why;
  }
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(::fdopen(fd, "rb"), &std::fclose);
  if (!f) {
    ::close(fd);
    return fmt::format("cannot open: {}", std::strerror(errno));
  }
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
