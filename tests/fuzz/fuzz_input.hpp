// Fuzz inputs as files: the readers under test take paths, so an input is written to an
// in-memory file (memfd) and named by its /proc/self/fd path, without touching the disk; the
// HDF5 files the structure-aware targets write are removed after each input.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace swag::fuzz {

class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("swag-fuzz", 0)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) throw std::runtime_error("memfd write failed");
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// A scratch file of this process in the temporary folder, removed when the input is done,
// whatever happened to it.
struct ScratchFile {
  explicit ScratchFile(const std::string& what)
      : path((std::filesystem::temp_directory_path() /
              ("swag-fuzz-" + what + "-" + std::to_string(getpid()) + ".h5"))
                 .string()) {}
  ~ScratchFile() { std::remove(path.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  std::string path;
};

}  // namespace swag::fuzz
