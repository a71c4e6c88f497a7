// Reads a shard: its index arrays (offsets, ids, sizes, labels) at open, checked for
// consistency so a damaged file fails here with a clear message; JPEG bytes on demand.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "swag/core/hdf5_file.hpp"

namespace swag::data {

class ShardReader {
 public:
  explicit ShardReader(const std::string& path);

  const std::string& path() const { return file_.path(); }
  std::int64_t num_images() const { return static_cast<std::int64_t>(ids_.size()); }
  std::int64_t num_classes() const { return num_classes_; }
  std::int64_t shard_index() const { return shard_index_; }
  const std::string& vocab_sha256() const { return vocab_sha256_; }

  std::vector<std::uint8_t> jpeg(std::int64_t i) const;
  std::int64_t id(std::int64_t i) const { return ids_.at(i); }
  int height(std::int64_t i) const { return sizes_.at(2 * i); }
  int width(std::int64_t i) const { return sizes_.at(2 * i + 1); }
  std::span<const std::int32_t> classes(std::int64_t i) const;
  // The label CSR as stored: offsets [N+1] into the class indices.
  const std::vector<std::int64_t>& label_offsets() const { return label_offsets_; }
  const std::vector<std::int32_t>& label_classes() const { return classes_; }

 private:
  void check_consistent() const;
  Hdf5File file_;
  std::int64_t num_classes_ = 0, shard_index_ = 0;
  std::string vocab_sha256_;
  std::vector<std::int64_t> jpeg_offsets_, ids_, label_offsets_;
  std::vector<std::int32_t> sizes_, classes_;
};

// Every image's id (its manifest line number, /images/ids) in the dataset's order, from the
// shards that data_dir/index.json lists.
std::vector<std::int64_t> read_image_ids(const std::string& data_dir);

}  // namespace swag::data
