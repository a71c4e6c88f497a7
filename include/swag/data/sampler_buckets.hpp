// The resampling sampler's buckets (D/buckets.h5, doc/formats.md): every image's index sorted by
// its rarest class, memory-mapped by the ranks. Why buckets give the paper's distribution:
// doc/engine.md, "The resampling sampler".
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "swag/data/dataset_index.hpp"
#include "swag/data/multi_labels.hpp"

namespace swag::data {

inline constexpr const char* buckets_file_name = "buckets.h5";

// The rarest of an image's classes under the class frequencies f: smallest f, then smallest id.
std::int32_t rarest_class(std::span<const std::int32_t> classes, std::span<const std::int64_t> f);

// Bytes per stored image index: 4 for up to 2^32 images, then 5, 6, 7 or 8.
int image_index_bytes(std::int64_t num_images);

// SHA-256 of the shards' checksums in index order, one per line: names the shard set that a
// bucket file was made from.
std::string shards_digest(const DatasetIndex& index);

class SamplerBuckets {
 public:
  SamplerBuckets() = default;
  // Built in memory from labels, frequencies f (tests, small data: O(images) private memory).
  static SamplerBuckets from_labels(const MultiLabels& labels, std::span<const std::int64_t> f);
  // D/buckets.h5, checked against the index and memory-mapped. Without the file, the buckets
  // are built in memory from the shards' labels, with a warning (O(images) private memory).
  static SamplerBuckets open(const std::string& data_dir, const DatasetIndex& index);

  std::int64_t num_images() const { return offsets_.back(); }
  std::int64_t num_classes() const { return static_cast<std::int64_t>(offsets_.size()) - 1; }
  // Bucket c is positions [offsets[c], offsets[c+1]).
  const std::vector<std::int64_t>& offsets() const { return offsets_; }
  std::int64_t bucket_size(std::int64_t c) const { return offsets_[c + 1] - offsets_[c]; }
  // The global image index at position k of the bucket order.
  std::int64_t image(std::int64_t k) const {
    std::uint64_t v = 0;
    const std::uint8_t* p = ids_ + k * width_;
    for (int b = width_ - 1; b >= 0; --b) v = v << 8 | p[b];
    return static_cast<std::int64_t>(v);
  }
  bool memory_mapped() const { return mapped_; }
  // Bytes of private memory held (the mapped file's pages are shared and not counted).
  std::int64_t private_bytes() const;

 private:
  std::vector<std::int64_t> offsets_{0};
  int width_ = 4;
  const std::uint8_t* ids_ = nullptr;
  std::shared_ptr<const std::uint8_t> storage_;  // owned bytes, or the mapping
  std::int64_t owned_bytes_ = 0;
  bool mapped_ = false;
};

// What building the file needs of the ranks; the defaults are one rank's (no MPI).
struct RankCollectives {
  int rank = 0, world = 1;
  std::function<void(std::vector<std::int64_t>&)> sum;            // in place, over all ranks
  std::function<void(std::vector<std::int64_t>&)> exclusive_sum;  // in place: lower ranks' sum
  std::function<void(std::string&)> broadcast;                    // rank 0's string to all
  std::function<void()> barrier;
};

// Writes D/buckets.h5 for the shards of the index (whose class_counts are f), collectively:
// rank r of W reads the labels of a contiguous range of the shards and writes its images into
// the file in place; rank 0 creates the file and renames it into place last. Temporary memory:
// 4 bytes per image of the rank's range.
void write_buckets_file(const std::string& data_dir, const DatasetIndex& index,
                        const RankCollectives& ranks);

// The contiguous range [first, last) of n items that rank r of W takes.
std::pair<std::int64_t, std::int64_t> contiguous_share(std::int64_t n, int rank, int world);

}  // namespace swag::data
