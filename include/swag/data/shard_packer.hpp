// The work of `swag shard` on one rank. Shard k holds manifest entries [k*S, (k+1)*S) (S =
// shard_size), so the shards do not depend on the number of ranks; rank r of W packs the
// shards k with k % W == r and returns its part of the index (merge_indices joins the parts).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "swag/data/dataset_index.hpp"
#include "swag/data/hashtag_labels.hpp"
#include "swag/data/manifest.hpp"
#include "swag/data/stored_image.hpp"

namespace swag::data {

struct PackOptions {
  std::string output_dir;
  std::string manifest;  // for messages
  std::int64_t shard_size = 10000;
  StorageOptions storage;
  bool strict = false;  // a skipped line is an input error (exit 4) naming line and path
  std::int64_t progress_every = 10000;
};

std::string shard_file_name(std::int64_t shard_index);  // "shard-00042.h5"

DatasetIndex pack_shards(const std::vector<ManifestLine>& lines, const HashtagLabels& labels,
                         const PackOptions& options, int rank, int world);

}  // namespace swag::data
