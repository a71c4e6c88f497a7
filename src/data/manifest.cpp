#include "swag/data/manifest.hpp"

#include <filesystem>
#include <sstream>

#include "swag/core/file_bytes.hpp"

namespace swag::data {

std::vector<ManifestLine> read_manifest(const std::string& path) {
  const std::string text = read_file_text(path);
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::vector<ManifestLine> lines;
  std::istringstream in(text);
  std::string row;
  for (std::int64_t number = 1; std::getline(in, row); ++number) {
    if (!row.empty() && row.back() == '\r') row.pop_back();
    if (row.find_first_not_of(" \t") == std::string::npos) continue;
    ManifestLine entry;
    entry.line = number;
    const std::size_t tab = row.find('\t');
    entry.path = row.substr(0, tab);
    const std::filesystem::path p(entry.path);
    entry.resolved_path = p.is_absolute() ? entry.path : (folder / p).string();
    if (tab != std::string::npos) {
      std::istringstream tags(row.substr(tab + 1));
      for (std::string tag; tags >> tag;) entry.hashtags.push_back(tag);
    }
    lines.push_back(std::move(entry));
  }
  return lines;
}

}  // namespace swag::data
