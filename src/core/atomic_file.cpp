#include "swag/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

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
  {
    std::ofstream f(out.temp_path(), std::ios::binary | std::ios::trunc);
    f.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    f.close();
    if (!f) fail(ExitCode::io, "{}: cannot write", out.temp_path());
  }
  out.commit();
}

}  // namespace swag
