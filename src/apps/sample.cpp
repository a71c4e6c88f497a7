// swag sample: statistics of the resampled training stream of a shard folder (DESIGN §4).
// Under mpirun each rank draws its share of the positions and the counts are summed, which
// shows that the stream does not depend on the number of ranks.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/sample_statistics.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::apps {

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
    const auto comm = dist::Communicator::world();
    const int rank = comm.rank(), world = comm.size();
    const auto index = data::read_index(o->data);
    const auto labels = data::load_dataset_labels(o->data);
    const data::ResamplingSampler sampler(index.class_counts,
                                          data::SamplerBuckets::open(o->data, index), o->sampler);
    auto st = data::sample_statistics(sampler, labels, o->epoch,
                                      data::rank_share(0, o->num_samples, rank, world));
    auto sum = [world](auto* values, int n, MPI_Datatype type, MPI_Op op = MPI_SUM) {
      if (world == 1) return;  // also without MPI (SWAG_NO_MPI=1)
      MPI_Allreduce(MPI_IN_PLACE, values, n, type, op, MPI_COMM_WORLD);
    };
    sum(&st.num_samples, 1, MPI_UINT64_T);
    sum(&st.head_samples, 1, MPI_UINT64_T);
    sum(&st.stream_checksum, 1, MPI_UINT64_T);  // unsigned: wraps modulo 2^64
    sum(st.class_sample_counts.data(), static_cast<int>(st.class_sample_counts.size()),
        MPI_INT64_T);
    sum(st.seen.data(), static_cast<int>(st.seen.size()), MPI_UINT8_T, MPI_MAX);
    if (rank != 0) return;

    const double m = static_cast<double>(std::max<std::uint64_t>(st.num_samples, 1));
    std::int64_t head_classes = 0;
    for (std::int64_t c = 0; c < labels.num_classes; ++c) head_classes += sampler.is_head_class(c);
    nlohmann::ordered_json j;
    j["num_samples"] = st.num_samples;
    j["head_fraction"] = static_cast<double>(st.head_samples) / m;
    j["tail_fraction"] = static_cast<double>(st.num_samples - st.head_samples) / m;
    j["unique_images"] = std::count(st.seen.begin(), st.seen.end(), 1);
    j["class_sample_counts"] = st.class_sample_counts;
    j["num_images"] = labels.num_images();
    j["num_classes"] = labels.num_classes;
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
               st.num_samples, labels.num_images(), sampler.num_head_images(),
               sampler.num_tail_images(), head_classes, labels.num_classes);
    fmt::print("  head fraction {:.4f}, tail fraction {:.4f}, unique images {}\n",
               j["head_fraction"].get<double>(), j["tail_fraction"].get<double>(),
               j["unique_images"].get<std::int64_t>());
  };
}

}  // namespace swag::apps
