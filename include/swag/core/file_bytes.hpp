// Whole-file reads for inputs that are small enough to hold (images, JSON, manifests).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swag {

// The file's bytes; a missing or unreadable file is an io error with the system's reason.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);
// Same, for callers that go on after a failure: nothing, and the reason (without the path).
std::optional<std::vector<std::uint8_t>> try_read_file_bytes(const std::string& path,
                                                             std::string& reason);
std::string read_file_text(const std::string& path);

}  // namespace swag
