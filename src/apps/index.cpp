// swag index: (re)builds a shard folder's index.json and buckets.h5 from the shards in it, for
// folders packed by an older swag or whose index files were lost or damaged. Under mpirun the
// shards are split over the ranks in contiguous ranges and the counts are reduced.
#include <algorithm>
#include <charconv>
#include <filesystem>

#include "swag/apps/commands.hpp"
#include "swag/apps/dataset_collectives.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/sampler_buckets.hpp"
#include "swag/data/shard_packer.hpp"
#include "swag/data/shard_reader.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::apps {
namespace {

// The shard index k of a file named shard-<k>.h5 (digits only), or -1.
std::int64_t shard_number(const std::string& name) {
  constexpr std::string_view prefix = "shard-", suffix = ".h5";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix))
    return -1;
  const std::string_view digits(name.data() + prefix.size(),
                                name.size() - prefix.size() - suffix.size());
  std::int64_t k = -1;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
  return ec == std::errc() && end == digits.data() + digits.size() ? k : -1;
}

// The shard files of the folder, ordered by shard index, one per line.
std::string list_shards(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail(ExitCode::io, "{}: not a folder (or cannot be read)", dir);
  std::vector<std::pair<std::int64_t, std::string>> shards;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (const std::int64_t k = shard_number(name); k >= 0 && entry.is_regular_file())
      shards.emplace_back(k, name);
  }
  std::sort(shards.begin(), shards.end());
  std::string lines;
  for (const auto& [k, name] : shards) lines += name + "\n";
  return lines;
}

// This rank's part of the index: its contiguous share of the shard files, read and checksummed.
data::DatasetIndex scan_part(const std::string& dir, const std::vector<std::string>& files,
                             int rank, int world) {
  data::DatasetIndex part;
  const auto [first, last] =
      data::contiguous_share(static_cast<std::int64_t>(files.size()), rank, world);
  for (std::int64_t k = first; k < last; ++k) {
    const std::string path = (std::filesystem::path(dir) / files[k]).string();
    const data::ShardReader shard(path);
    if (shard_number(files[k]) != shard.shard_index())
      fail(ExitCode::input, "{}: its shard_index attribute is {}, its name says {}", path,
           shard.shard_index(), shard_number(files[k]));
    if (part.shards.empty()) {
      part.num_classes = shard.num_classes();
      part.vocab_sha256 = shard.vocab_sha256();
      part.class_counts.assign(static_cast<std::size_t>(part.num_classes), 0);
    } else if (shard.num_classes() != part.num_classes ||
               shard.vocab_sha256() != part.vocab_sha256) {
      fail(ExitCode::input, "{}: {} classes of vocabulary {}, but {} has {} classes of {}", path,
           shard.num_classes(), shard.vocab_sha256(), part.shards.front().file, part.num_classes,
           part.vocab_sha256);
    }
    for (const auto c : shard.label_classes()) ++part.class_counts[static_cast<std::size_t>(c)];
    part.shards.push_back({shard.shard_index(), files[k], shard.num_images(), sha256_file(path)});
    part.num_images += shard.num_images();
  }
  return part;
}

// The parts of the ranks as one index, with the skipped lines of the old index.json if it can
// still be read (the shards do not record them).
data::DatasetIndex merge_parts(const std::string& dir, const std::vector<std::string>& texts) {
  std::vector<data::DatasetIndex> parts;
  for (const auto& text : texts) {
    data::DatasetIndex part = data::index_from_json(text, "a rank's part");
    if (part.shards.empty()) continue;
    if (!parts.empty() && (part.num_classes != parts.front().num_classes ||
                           part.vocab_sha256 != parts.front().vocab_sha256))
      fail(ExitCode::input, "{}/{}: {} classes of vocabulary {}, but {} has {} classes of {}", dir,
           part.shards.front().file, part.num_classes, part.vocab_sha256,
           parts.front().shards.front().file, parts.front().num_classes,
           parts.front().vocab_sha256);
    parts.push_back(std::move(part));
  }
  data::DatasetIndex index = data::merge_indices(parts);
  try {
    index.skipped = data::read_index(dir).skipped;
    log::info("index: kept the {} skipped manifest lines listed by the old {}",
              index.skipped.size(), data::index_file_name);
  } catch (const Error& e) {
    log::warn("index: the old {} cannot be read ({}); the list of skipped manifest lines is lost",
              data::index_file_name, e.what());
  }
  return index;
}

}  // namespace

Command add_index(CLI::App& app) {
  auto data_dir = std::make_shared<std::string>();
  app.add_option("--data", *data_dir, "shard folder (shard-NNNNN.h5 files)")->required();
  return [data_dir] {
    const auto comm = dist::Communicator::world();
    const int rank = comm.rank(), world = comm.size();
    const std::string& dir = *data_dir;
    std::string listing;
    if (rank == 0) listing = list_shards(dir);
    broadcast_string(listing, world);
    std::vector<std::string> files;
    for (std::size_t start = 0; start < listing.size();) {
      const std::size_t end = listing.find('\n', start);
      files.push_back(listing.substr(start, end - start));
      start = end + 1;
    }
    if (files.empty()) fail(ExitCode::input, "{}: no shard files (shard-NNNNN.h5)", dir);
    log::info("index: {} shard files in {}, {} ranks", files.size(), dir, world);

    const auto texts =
        gather_on_root(data::index_to_json(scan_part(dir, files, rank, world)), rank, world);
    std::string merged;
    if (rank == 0) merged = data::index_to_json(merge_parts(dir, texts));
    broadcast_string(merged, world);
    const data::DatasetIndex index = data::index_from_json(merged, "the merged index");
    data::write_buckets_file(dir, index, world_collectives(rank, world));
    if (rank != 0) return;
    data::write_index(dir, index);
    log::info("index: {} images in {} shards, {} classes; wrote {}/{} and {}/{}", index.num_images,
              index.shards.size(), index.num_classes, dir, data::buckets_file_name, dir,
              data::index_file_name);
  };
}

}  // namespace swag::apps
