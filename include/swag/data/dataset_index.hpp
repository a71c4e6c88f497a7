// index.json: the table of contents of a shard folder (doc/formats.md). It is written last, by
// rank 0, so a folder with an index.json is complete.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace swag::data {

struct ShardEntry {
  std::int64_t shard_index = 0;
  std::string file;  // relative to the folder
  std::int64_t num_images = 0;
  std::string sha256;
};

struct SkippedLine {
  std::int64_t line = 0;
  std::string path, reason;
};

struct DatasetIndex {
  std::int64_t num_images = 0, num_classes = 0;
  std::string vocab_sha256;
  std::vector<ShardEntry> shards;          // by shard_index
  std::vector<std::int64_t> class_counts;  // images carrying each class
  std::vector<SkippedLine> skipped;        // by line
};

inline constexpr const char* index_file_name = "index.json";

std::string index_to_json(const DatasetIndex& index);
DatasetIndex index_from_json(const std::string& text, const std::string& source);
// Parts packed by different ranks: shards and skipped lines concatenated and ordered, counts
// summed. All parts must share num_classes and vocab_sha256.
DatasetIndex merge_indices(const std::vector<DatasetIndex>& parts);

void write_index(const std::string& folder, const DatasetIndex& index);  // atomic
DatasetIndex read_index(const std::string& folder);

class ShardReader;
// Fails (exit 4, naming the shard) when an opened shard disagrees with its entry in the index:
// its image count, its class count or its vocabulary.
void check_shard_matches_index(const ShardReader& shard, const ShardEntry& entry,
                               const DatasetIndex& index);

}  // namespace swag::data
