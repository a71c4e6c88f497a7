#include "swag/vocab/text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "swag/core/error.hpp"

namespace swag::vocab {

std::string read_text_file(const std::string& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) fail(ExitCode::io, "{}: cannot open: {}", path, std::strerror(errno));
  std::string text;
  char chunk[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) text.append(chunk, n);
  // A directory opens but fails on the first read (EISDIR).
  if (std::ferror(file.get()))
    fail(ExitCode::io, "{}: cannot read: {}", path, std::strerror(errno));
  return text;
}

}  // namespace swag::vocab
