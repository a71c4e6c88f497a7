// SHA-256 (FIPS 180-4), for the checksums that index.json and checkpoints record (shards, the
// vocabulary file). Streaming: update() any number of times, then hex_digest().
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace swag {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::uint8_t> bytes);
  void update(std::string_view text);
  // Lower-case hex of the 32-byte digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::span<const std::uint8_t> bytes);
// The digest of a file's bytes; a file that cannot be read is an io error naming it.
std::string sha256_file(const std::string& path);

}  // namespace swag
