#include "swag/data/dataset_index.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "swag/core/atomic_file.hpp"
#include "swag/core/error.hpp"
#include "swag/core/file_bytes.hpp"
#include "swag/core/json_integer.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {

std::string index_to_json(const DatasetIndex& index) {
  nlohmann::ordered_json j;
  j["format"] = "swag-shards";
  j["format_version"] = 1;
  j["num_images"] = index.num_images;
  j["num_classes"] = index.num_classes;
  j["vocab_sha256"] = index.vocab_sha256;
  j["shards"] = nlohmann::ordered_json::array();
  for (const auto& s : index.shards)
    j["shards"].push_back({{"shard_index", s.shard_index},
                           {"file", s.file},
                           {"num_images", s.num_images},
                           {"sha256", s.sha256}});
  j["class_counts"] = index.class_counts;
  j["skipped"] = nlohmann::ordered_json::array();
  for (const auto& s : index.skipped)
    j["skipped"].push_back({{"line", s.line}, {"path", s.path}, {"reason", s.reason}});
  // a manifest path that is not UTF-8 keeps its record, with U+FFFD for the bad bytes
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

DatasetIndex index_from_json(const std::string& text, const std::string& source) {
  DatasetIndex index;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("format").get<std::string>() != "swag-shards")
      fail(ExitCode::input, "{}: not a swag shard index (format is not 'swag-shards')", source);
    index.num_images = json_integer<std::int64_t>(j.at("num_images"));
    index.num_classes = json_integer<std::int64_t>(j.at("num_classes"));
    index.vocab_sha256 = j.at("vocab_sha256").get<std::string>();
    for (const auto& s : j.at("shards"))
      index.shards.push_back(
          {json_integer<std::int64_t>(s.at("shard_index")), s.at("file").get<std::string>(),
           json_integer<std::int64_t>(s.at("num_images")), s.at("sha256").get<std::string>()});
    index.class_counts = json_integers<std::int64_t>(j.at("class_counts"));
    for (const auto& s : j.at("skipped"))
      index.skipped.push_back({json_integer<std::int64_t>(s.at("line")),
                               s.at("path").get<std::string>(), s.at("reason").get<std::string>()});
  } catch (const nlohmann::json::exception& e) {
    fail(ExitCode::input, "{}: bad shard index: {}", source, e.what());
  }
  if (static_cast<std::int64_t>(index.class_counts.size()) != index.num_classes)
    fail(ExitCode::input, "{}: class_counts has {} entries for {} classes", source,
         index.class_counts.size(), index.num_classes);
  return index;
}

DatasetIndex merge_indices(const std::vector<DatasetIndex>& parts) {
  SWAG_CHECK(!parts.empty(), "nothing to merge");
  DatasetIndex all;
  all.num_classes = parts.front().num_classes;
  all.vocab_sha256 = parts.front().vocab_sha256;
  all.class_counts.assign(static_cast<std::size_t>(all.num_classes), 0);
  for (const auto& part : parts) {
    SWAG_CHECK(part.num_classes == all.num_classes && part.vocab_sha256 == all.vocab_sha256,
               "parts of one index disagree on the vocabulary");
    all.num_images += part.num_images;
    all.shards.insert(all.shards.end(), part.shards.begin(), part.shards.end());
    all.skipped.insert(all.skipped.end(), part.skipped.begin(), part.skipped.end());
    for (std::size_t c = 0; c < all.class_counts.size(); ++c)
      all.class_counts[c] += part.class_counts.at(c);
  }
  std::sort(all.shards.begin(), all.shards.end(),
            [](const auto& a, const auto& b) { return a.shard_index < b.shard_index; });
  std::sort(all.skipped.begin(), all.skipped.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  return all;
}

void write_index(const std::string& folder, const DatasetIndex& index) {
  write_file_atomically((std::filesystem::path(folder) / index_file_name).string(),
                        index_to_json(index));
}

DatasetIndex read_index(const std::string& folder) {
  const std::string path = (std::filesystem::path(folder) / index_file_name).string();
  return index_from_json(read_file_text(path), path);
}

void check_shard_matches_index(const ShardReader& shard, const ShardEntry& entry,
                               const DatasetIndex& index) {
  if (shard.num_images() != entry.num_images || shard.num_classes() != index.num_classes ||
      shard.vocab_sha256() != index.vocab_sha256)
    fail(ExitCode::input,
         "{}: disagrees with index.json ({} images, {} classes; the index says {} and {}, or a "
         "different vocabulary)",
         shard.path(), shard.num_images(), shard.num_classes(), entry.num_images,
         index.num_classes);
}

}  // namespace swag::data
