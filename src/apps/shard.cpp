// swag shard: manifest (image path TAB raw hashtags) -> HDF5 shards, buckets.h5 and index.json.
// Under mpirun each rank packs every W-th shard; rank 0 gathers the parts, the ranks write the
// sampler's bucket file together, and rank 0 writes index.json last.
#include "swag/apps/commands.hpp"
#include "swag/apps/dataset_collectives.hpp"
#include "swag/core/log.hpp"
#include "swag/data/shard_packer.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::apps {

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
    std::string merged;
    if (rank == 0) {
      std::vector<data::DatasetIndex> indices;
      indices.reserve(parts.size());
      for (const auto& text : parts)
        indices.push_back(data::index_from_json(text, "a rank's part"));
      merged = data::index_to_json(data::merge_indices(indices));
    }
    broadcast_string(merged, world);
    const data::DatasetIndex index = data::index_from_json(merged, "the merged index");
    // The sampler's bucket file, then index.json last: a folder with an index.json is complete.
    data::write_buckets_file(o->pack.output_dir, index, world_collectives(rank, world));
    if (rank != 0) return;
    data::write_index(o->pack.output_dir, index);
    log::info("shard: {} images in {} shards, {} lines skipped; wrote {}/{}", index.num_images,
              index.shards.size(), index.skipped.size(), o->pack.output_dir, data::index_file_name);
  };
}

}  // namespace swag::apps
