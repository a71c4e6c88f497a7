// swag shard: manifest (image path TAB raw hashtags) -> HDF5 shards + index.json. Under mpirun
// each rank packs every W-th shard; rank 0 gathers the parts and writes index.json last.
#include <mpi.h>

#include "swag/apps/commands.hpp"
#include "swag/core/log.hpp"
#include "swag/data/shard_packer.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::apps {
namespace {

// Every rank's string, on rank 0 (empty elsewhere).
std::vector<std::string> gather_on_root(const std::string& mine, int rank, int world) {
  if (world == 1) return {mine};  // also without MPI (SWAG_NO_MPI=1)
  const int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<std::size_t>(world)), displacements(lengths.size());
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string all;
  if (rank == 0) {
    for (int r = 1; r < world; ++r) displacements[r] = displacements[r - 1] + lengths[r - 1];
    all.resize(static_cast<std::size_t>(displacements.back()) +
               static_cast<std::size_t>(lengths.back()));
  }
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), displacements.data(),
              MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> parts;
  if (rank == 0)
    for (int r = 0; r < world; ++r) parts.push_back(all.substr(displacements[r], lengths[r]));
  return parts;
}

}  // namespace

Command add_shard(CLI::App& app) {
  struct Options {
    std::string manifest, vocab;
    data::PackOptions pack;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--manifest", o->manifest, "TSV: image path<TAB>space-separated raw hashtags")
      ->required();
  app.add_option("--vocab", o->vocab, "vocab.json of swag vocab build")->required();
  app.add_option("--output-dir", o->pack.output_dir, "folder for the shards and index.json")
      ->required();
  app.add_option("--shard-size", o->pack.shard_size, "manifest lines per shard")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-side", o->pack.storage.max_side,
                 "re-encode images whose longer side exceeds this (0: keep every size)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-pixels", o->pack.storage.max_pixels,
                 "skip images whose header claims more pixels (0: no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--quality", o->pack.storage.quality, "JPEG quality of re-encoded images")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--progress", o->pack.progress_every, "log progress every N lines (0: never)")
      ->capture_default_str();
  app.add_flag("--strict", o->pack.strict, "a line that would be skipped is an error (exit 4)");
  return [o] {
    const auto comm = dist::Communicator::world();
    const int rank = comm.rank(), world = comm.size();
    o->pack.manifest = o->manifest;
    const auto lines = data::read_manifest(o->manifest);
    const auto labels = data::HashtagLabels::load(o->vocab);
    log::info("shard: {} manifest lines, {} classes, {} ranks, {} lines per shard", lines.size(),
              labels.num_classes(), world, o->pack.shard_size);
    const data::DatasetIndex part = data::pack_shards(lines, labels, o->pack, rank, world);
    const auto parts = gather_on_root(data::index_to_json(part), rank, world);
    if (rank != 0) return;
    std::vector<data::DatasetIndex> indices;
    indices.reserve(parts.size());
    for (const auto& text : parts) indices.push_back(data::index_from_json(text, "a rank's part"));
    const data::DatasetIndex index = data::merge_indices(indices);
    data::write_index(o->pack.output_dir, index);
    log::info("shard: {} images in {} shards, {} lines skipped; wrote {}/{}", index.num_images,
              index.shards.size(), index.skipped.size(), o->pack.output_dir, data::index_file_name);
  };
}

}  // namespace swag::apps
