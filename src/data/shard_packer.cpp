#include "swag/data/shard_packer.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

#include "swag/core/error.hpp"
#include "swag/core/file_bytes.hpp"
#include "swag/core/log.hpp"
#include "swag/data/shard_writer.hpp"

namespace swag::data {
namespace {

constexpr std::int64_t max_skip_warnings = 10;  // per rank; index.json has the full list

struct Progress {
  std::int64_t lines_total = 0, lines_done = 0, kept = 0, skipped = 0, every = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void step(int rank) {
    ++lines_done;
    if (every <= 0 || (lines_done % every != 0 && lines_done != lines_total)) return;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log::info("shard: rank {}: {}/{} lines, {} images kept, {} skipped, {:.0f} lines/s", rank,
              lines_done, lines_total, kept, skipped, lines_done / std::max(s, 1e-9));
  }
};

// The stored form of one manifest line, or why it is skipped.
std::optional<StoredImage> try_prepare(const ManifestLine& entry,
                                       const std::vector<std::int32_t>& classes,
                                       const StorageOptions& storage, std::string& reason) {
  if (entry.hashtags.empty()) {
    reason = "empty hashtag list";
    return std::nullopt;
  }
  if (classes.empty()) {
    reason = "no hashtag in the vocabulary";
    return std::nullopt;
  }
  const auto bytes = try_read_file_bytes(entry.resolved_path, reason);
  if (!bytes) return std::nullopt;
  try {
    return prepare_for_storage(*bytes, storage);
  } catch (const Error& e) {
    reason = e.what();
    return std::nullopt;
  }
}

}  // namespace

std::string shard_file_name(std::int64_t shard_index) {
  return fmt::format("shard-{:05d}.h5", shard_index);
}

DatasetIndex pack_shards(const std::vector<ManifestLine>& lines, const HashtagLabels& labels,
                         const PackOptions& options, int rank, int world) {
  SWAG_CHECK(options.shard_size > 0 && world > 0, "shard size {}, {} ranks", options.shard_size,
             world);
  std::error_code ec;
  std::filesystem::create_directories(options.output_dir, ec);
  if (!std::filesystem::is_directory(options.output_dir))
    fail(ExitCode::io, "{}: cannot create the output folder: {}", options.output_dir, ec.message());

  const auto n = static_cast<std::int64_t>(lines.size());
  // no n + shard_size - 1: --shard-size may be as large as INT64_MAX
  const std::int64_t num_shards = n / options.shard_size + (n % options.shard_size != 0 ? 1 : 0);
  const auto shard_end = [&](std::int64_t k) {
    return k * options.shard_size + std::min(options.shard_size, n - k * options.shard_size);
  };
  DatasetIndex part;
  part.num_classes = labels.num_classes();
  part.vocab_sha256 = labels.vocab_sha256();
  part.class_counts.assign(static_cast<std::size_t>(part.num_classes), 0);
  Progress progress;
  progress.every = options.progress_every;
  for (std::int64_t k = rank; k < num_shards; k += world)
    progress.lines_total += shard_end(k) - k * options.shard_size;

  for (std::int64_t k = rank; k < num_shards; k += world) {
    const std::int64_t begin = k * options.shard_size;
    const std::int64_t end = shard_end(k);
    ShardWriter writer(
        {k, part.num_classes, part.vocab_sha256, lines[begin].line, lines[end - 1].line});
    for (std::int64_t i = begin; i < end; ++i) {
      const ManifestLine& entry = lines[i];
      const auto classes = labels.classes_of(entry.hashtags);
      std::string reason;
      if (const auto image = try_prepare(entry, classes, options.storage, reason)) {
        writer.add(entry.line, image->jpeg, image->height, image->width, classes);
        for (const auto c : classes) ++part.class_counts[c];
        ++progress.kept;
      } else {
        if (options.strict)
          fail(ExitCode::input, "{}: line {}: {}: {} (--strict)", options.manifest, entry.line,
               entry.path, reason);
        if (progress.skipped < max_skip_warnings)
          log::warn("shard: skipping line {} ({}): {}", entry.line, entry.path, reason);
        else if (progress.skipped == max_skip_warnings)
          log::warn("shard: more lines skipped; index.json lists them all");
        part.skipped.push_back({entry.line, entry.path, reason});
        ++progress.skipped;
      }
      progress.step(rank);
    }
    if (writer.num_images() == 0) continue;  // nothing to store: no file, no index entry
    const std::string file = shard_file_name(k);
    const std::string sha =
        writer.write((std::filesystem::path(options.output_dir) / file).string());
    part.shards.push_back({k, file, writer.num_images(), sha});
    part.num_images += writer.num_images();
  }
  return part;
}

}  // namespace swag::data
