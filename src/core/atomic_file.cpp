#include "swag/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "swag/core/error.hpp"

namespace swag {
namespace {

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) fail(ExitCode::io, "{}: cannot open for fsync: {}", path, std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail(ExitCode::io, "{}: fsync failed: {}", path, std::strerror(errno));
}

}  // namespace

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)) {
  temp_ = path_ + ".tmp." + std::to_string(::getpid());
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicOutput::commit() {
  fsync_path(temp_, O_RDONLY);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    fail(ExitCode::io, "{}: cannot rename from {}: {}", path_, temp_, std::strerror(errno));
  committed_ = true;
  const auto dir = std::filesystem::path(path_).parent_path();
  fsync_path(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  AtomicOutput out(path);
  // POSIX calls rather than a stream: the error says why (ENOSPC, EACCES, EDQUOT, ...)
  const int fd = ::open(out.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(ExitCode::io, "{}: cannot create: {}", out.temp_path(), std::strerror(errno));
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail(ExitCode::io, "{}: cannot write: {}", out.temp_path(), std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    fail(ExitCode::io, "{}: cannot write: {}", out.temp_path(), std::strerror(errno));
  out.commit();
}

}  // namespace swag
