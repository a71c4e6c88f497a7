// The part of vocab.json (doc/formats.md) that turns raw hashtags into class indices, for
// packing shards. The vocabulary's hash (SHA-256 of the file) goes into every shard.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swag::data {

// "#Sneakers" -> "sneakers": leading '#' removed, ASCII letters lowercased (as vocab build does).
std::string normalize_hashtag(std::string_view raw);

class HashtagLabels {
 public:
  static HashtagLabels load(const std::string& vocab_json_path);

  std::int64_t num_classes() const { return num_classes_; }
  const std::string& vocab_sha256() const { return sha256_; }
  // The ascending, distinct classes of the hashtags that are in the vocabulary.
  std::vector<std::int32_t> classes_of(const std::vector<std::string>& raw_hashtags) const;

 private:
  std::int64_t num_classes_ = 0;
  std::string sha256_;
  std::unordered_map<std::string, std::int32_t> class_of_;
};

}  // namespace swag::data
