// Collects one shard's images (JPEG bytes, id, size, label set) in memory and writes the HDF5
// file atomically. The layout is in shard_format.hpp and doc/formats.md.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace swag::data {

struct ShardAttributes {
  std::int64_t shard_index = 0;
  std::int64_t num_classes = 0;
  std::string vocab_sha256;
  std::int64_t first_line = 0, last_line = 0;  // manifest lines the shard was packed from
};

class ShardWriter {
 public:
  explicit ShardWriter(ShardAttributes attributes) : attributes_(std::move(attributes)) {}

  // classes: the image's label set, ascending, each in [0, num_classes).
  void add(std::int64_t id, std::span<const std::uint8_t> jpeg, int height, int width,
           std::span<const std::int32_t> classes);
  std::int64_t num_images() const { return static_cast<std::int64_t>(ids_.size()); }
  // Writes to a temporary name beside path, fsyncs, renames; returns the file's SHA-256.
  std::string write(const std::string& path) const;

 private:
  ShardAttributes attributes_;
  std::vector<std::uint8_t> jpeg_;
  std::vector<std::int64_t> jpeg_offsets_{0}, ids_, label_offsets_{0};
  std::vector<std::int32_t> sizes_, classes_;
};

}  // namespace swag::data
