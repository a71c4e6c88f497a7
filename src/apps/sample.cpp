// swag sample: statistics of the resampled training stream of a shard folder (DESIGN §4).
// Under mpirun each rank draws its share of the positions and the counts are summed, which
// shows that the stream does not depend on the number of ranks. Nothing per image of the whole
// dataset is loaded: the sampler maps buckets.h5, and the drawn images' labels are read from
// their shards.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/apps/dataset_collectives.hpp"
#include "swag/core/log.hpp"
#include "swag/core/process_memory.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/sample_statistics.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::apps {
namespace {

// Every rank's drawn images, concatenated on rank 0 (empty elsewhere).
std::vector<std::int64_t> gather_images(const std::vector<std::int64_t>& mine, int rank,
                                        int world) {
  if (world == 1) return mine;
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(world)), displacements(counts.size());
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<std::int64_t> all;
  if (rank == 0) {
    for (int r = 1; r < world; ++r) displacements[r] = displacements[r - 1] + counts[r - 1];
    all.resize(static_cast<std::size_t>(displacements.back()) +
               static_cast<std::size_t>(counts.back()));
  }
  MPI_Gatherv(mine.data(), count, MPI_INT64_T, all.data(), counts.data(), displacements.data(),
              MPI_INT64_T, 0, MPI_COMM_WORLD);
  return all;
}

}  // namespace

Command add_sample(CLI::App& app) {
  struct Options {
    std::string data;
    std::uint64_t num_samples = 0, epoch = 0;
    data::SamplerOptions sampler;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--data", o->data, "shard folder (with index.json)")->required();
  app.add_option("--num-samples", o->num_samples, "samples to draw (M)")->required();
  app.add_option("--alpha", o->sampler.alpha, "share of samples from head images")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--head-threshold", o->sampler.head_threshold,
                 "a class on at least this many images is a head class")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", o->sampler.seed, "sampling seed")->capture_default_str();
  app.add_option("--epoch", o->epoch, "epoch of the stream")->capture_default_str();
  app.add_flag("--json", o->json, "print one JSON object");
  return [o] {
    const auto start = std::chrono::steady_clock::now();
    const auto comm = dist::Communicator::world();
    const int rank = comm.rank(), world = comm.size();
    // index.json read by rank 0 and broadcast; the buckets memory-mapped by every rank.
    std::string index_text;
    if (rank == 0) index_text = data::index_to_json(data::read_index(o->data));
    broadcast_string(index_text, world);
    const auto index = data::index_from_json(index_text, o->data + "/" + data::index_file_name);
    const data::ResamplingSampler sampler(index.class_counts,
                                          data::SamplerBuckets::open(o->data, index), o->sampler);
    const double startup =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const ProcessMemory after_startup = process_memory();
    auto st = data::draw_statistics(sampler, index.num_classes, o->epoch,
                                    data::rank_share(0, o->num_samples, rank, world));
    // The drawn images' classes from their shards, each shard opened once.
    const std::int64_t opened =
        data::count_classes_from_shards(o->data, index, st.images, st.class_sample_counts);
    // What the scale benchmark (tools/bench_scale.py, doc/scaling.md) reads, per rank.
    const ProcessMemory end = process_memory();
    nlohmann::ordered_json resources;
    resources["rank"] = rank;
    resources["world"] = world;
    resources["startup_seconds"] = startup;
    resources["sampler_private_bytes"] = sampler.private_bytes();
    resources["buckets_mapped"] = sampler.buckets().memory_mapped();
    resources["rss_anon_after_startup"] = after_startup.rss_anon;
    resources["rss_anon"] = end.rss_anon;
    resources["rss_file"] = end.rss_file;
    resources["peak_rss"] = end.peak_rss;
    resources["shard_files_opened"] = opened;
    resources["draws"] = st.num_samples;
    log::info("sample: rank {} resources {}", rank, resources.dump());
    auto sum = [world](auto* values, int n, MPI_Datatype type) {
      if (world == 1) return;  // also without MPI (SWAG_NO_MPI=1)
      MPI_Allreduce(MPI_IN_PLACE, values, n, type, MPI_SUM, MPI_COMM_WORLD);
    };
    sum(&st.num_samples, 1, MPI_UINT64_T);
    sum(&st.head_samples, 1, MPI_UINT64_T);
    sum(&st.stream_checksum, 1, MPI_UINT64_T);  // unsigned: wraps modulo 2^64
    sum(st.class_sample_counts.data(), static_cast<int>(st.class_sample_counts.size()),
        MPI_INT64_T);
    std::vector<std::int64_t> drawn = gather_images(st.images, rank, world);
    if (rank != 0) return;
    std::sort(drawn.begin(), drawn.end());
    const auto unique_images = std::unique(drawn.begin(), drawn.end()) - drawn.begin();

    const double m = static_cast<double>(std::max<std::uint64_t>(st.num_samples, 1));
    std::int64_t head_classes = 0;
    for (std::int64_t c = 0; c < index.num_classes; ++c) head_classes += sampler.is_head_class(c);
    nlohmann::ordered_json j;
    j["num_samples"] = st.num_samples;
    j["head_fraction"] = static_cast<double>(st.head_samples) / m;
    j["tail_fraction"] = static_cast<double>(st.num_samples - st.head_samples) / m;
    j["unique_images"] = unique_images;
    j["class_sample_counts"] = st.class_sample_counts;
    j["num_images"] = index.num_images;
    j["num_classes"] = index.num_classes;
    j["num_head_classes"] = head_classes;
    j["num_head_images"] = sampler.num_head_images();
    j["num_tail_images"] = sampler.num_tail_images();
    j["alpha"] = o->sampler.alpha;
    j["head_threshold"] = o->sampler.head_threshold;
    j["seed"] = o->sampler.seed;
    j["epoch"] = o->epoch;
    j["stream_checksum"] = fmt::format("{:016x}", st.stream_checksum);
    if (o->json) {
      fmt::print("{}\n", j.dump());
      return;
    }
    fmt::print("{} samples from {} images ({} head, {} tail; {} of {} classes are head)\n",
               st.num_samples, index.num_images, sampler.num_head_images(),
               sampler.num_tail_images(), head_classes, index.num_classes);
    fmt::print("  head fraction {:.4f}, tail fraction {:.4f}, unique images {}\n",
               j["head_fraction"].get<double>(), j["tail_fraction"].get<double>(),
               j["unique_images"].get<std::int64_t>());
  };
}

}  // namespace swag::apps
