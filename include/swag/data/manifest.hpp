// The input of `swag shard`: one image per line, "image path<TAB>space-separated raw hashtags".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace swag::data {

struct ManifestLine {
  std::int64_t line = 0;              // 1-based line number in the manifest
  std::string path;                   // as written
  std::string resolved_path;          // relative paths are taken from the manifest's folder
  std::vector<std::string> hashtags;  // raw, as written (may be empty)
};

// Every non-blank line, in order. A missing manifest is an io error.
std::vector<ManifestLine> read_manifest(const std::string& path);

}  // namespace swag::data
