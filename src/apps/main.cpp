// swag: one SPMD program for SWAG pre-training, transfer and evaluation (doc/cli.md).
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "swag/apps/commands.hpp"
#include "swag/backends/cpu/runtime.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/train/provenance.hpp"

namespace {

int world_rank() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int rank = 0;
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

// SWAG_NO_MPI=1: one process, rank 0 of 1, with no MPI call at all (doc/cli.md), for a machine
// without an MPI runtime. Unset, empty or 0: the commands that need MPI initialize it.
std::optional<bool> no_mpi_requested() {
  const char* value = std::getenv("SWAG_NO_MPI");
  if (value == nullptr || std::string(value).empty() || std::string(value) == "0") return false;
  if (std::string(value) == "1") return true;
  return std::nullopt;
}

// Why this process must not run alone: a launcher started it as one of several ranks (its
// variables say so). Empty when nothing says so.
std::string launched_as_many() {
  // How many ranks the launcher started (Open MPI, MPICH/Hydra and PMI, Slurm's srun/sbatch).
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atol(value) > 1) return std::string(name) + "=" + value;
  }
  // Which rank this process is (a launcher that names no size still names a rank > 0).
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atol(value) > 0) return std::string(name) + "=" + value;
  }
  return {};
}

int run(int argc, char** argv) {
  CLI::App app{"swag: weakly supervised pre-training of visual perception models"};
  app.require_subcommand(1);
  // The lines job scripts parse (doc/cli.md, "swag --version"); computed only when asked.
  app.set_version_flag("--version", [] { return swag::train::version_text(); });
  std::map<CLI::App*, swag::apps::Command> commands;
  auto add = [&](const char* name, const char* help, auto adder) {
    CLI::App* sub = app.add_subcommand(name, help);
    commands[sub] = adder(*sub);
  };
  // Commands that are one process by nature; they run without MPI, so they also work where
  // there is no MPI launcher (a GPU node's shell, a login node). With SWAG_NO_MPI=1 every
  // command does (Open MPI's MPI_Init, even for one process, needs its runtime: it starts orted).
  // bench uses MPI when a launcher started several ranks: it then measures the gradient sums.
  const std::set<std::string> without_mpi{"info", "bench"};
  add("info", "model size: params, GMACs, activations, stages", swag::apps::add_info);
  add("predict", "logits (loss, gradients) of weights on images; --topk: hashtags per image",
      swag::apps::add_predict);
  add("bench", "training or inference throughput in images/s", swag::apps::add_bench);
  add("init", "write a freshly initialized weights file", swag::apps::add_init);
  add("check-config", "validate an input deck and print it resolved", swag::apps::add_check_config);
  add("shard", "pack images and hashtags into HDF5 shards and index.json", swag::apps::add_shard);
  add("sample", "statistics of the resampled training stream", swag::apps::add_sample);
  add("index", "(re)build index.json and buckets.h5 from the shards of a folder",
      swag::apps::add_index);
  add("demo-data", "the demo dataset's inputs from Fashion-MNIST", swag::apps::add_demo_data);
  add("pretrain", "SPMD pre-training from an input deck", swag::apps::add_pretrain);
  add("verify-checkpoint", "check checkpoints' checksums", swag::apps::add_verify_checkpoint);
  add("finetune", "fine-tune a pre-trained model on labelled shards", swag::apps::add_finetune);
  add("zeroshot", "zero-shot transfer through the WordNet mapping, with or without Platt",
      swag::apps::add_zeroshot);
  add("linear-probe", "a linear classifier on frozen trunk features", swag::apps::add_linear_probe);
  add("eval", "top-1 and top-5 on a labelled shard set", swag::apps::add_eval);
  add("vocab", "hashtag vocabulary: lookup, build, map to target classes", swag::apps::add_vocab);
  add("platt", "fit the zero-shot Platt scaler on probability rows", swag::apps::add_platt);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "swag: error: %s\n", e.what());
    return static_cast<int>(swag::ExitCode::usage);
  }

  const std::optional<bool> no_mpi = no_mpi_requested();
  if (!no_mpi) {
    std::fprintf(stderr, "swag: error: SWAG_NO_MPI must be 1 (run without MPI) or 0, not '%s'\n",
                 std::getenv("SWAG_NO_MPI"));
    return static_cast<int>(swag::ExitCode::usage);
  }
  if (*no_mpi) {
    const std::string launcher = launched_as_many();
    if (!launcher.empty()) {
      std::fprintf(stderr,
                   "swag: error: SWAG_NO_MPI=1 runs one process without MPI, but this one was "
                   "started as one of several ranks (%s): several ranks need MPI (unset "
                   "SWAG_NO_MPI), or start one process (mpiexec -n 1, srun -n 1)\n",
                   launcher.c_str());
      return static_cast<int>(swag::ExitCode::usage);
    }
  }
  bool mpi = !*no_mpi;
  for (auto& [sub, run] : commands)
    if (sub->parsed() && without_mpi.contains(sub->get_name()))
      mpi = mpi && sub->get_name() == "bench" && !launched_as_many().empty();
  if (mpi) MPI_Init(&argc, &argv);
  swag::log::set_rank(world_rank());
  int code = 0;
  try {
    swag::cpu::Runtime runtime;
    for (auto& [sub, run] : commands)
      if (sub->parsed()) run();
  } catch (const swag::Error& e) {
    const bool stopped = e.code() == swag::ExitCode::stopped;
    std::fprintf(stderr, "swag: %s: [rank %d] %s\n", stopped ? "stopped" : "error", world_rank(),
                 e.what());
    code = static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "swag: error: [rank %d] internal: %s\n", world_rank(), e.what());
    code = static_cast<int>(swag::ExitCode::failure);
  }
  if (!mpi) return code;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  // A stop is collective: every rank gets here and finalizes. Any other failure may be one
  // rank's alone, and the others must not wait for it forever.
  if (code != 0 && code != static_cast<int>(swag::ExitCode::stopped) && size > 1)
    MPI_Abort(MPI_COMM_WORLD, code);
  MPI_Finalize();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {  // only set-up before the command runs can get here (e.g. out of memory)
    std::fputs("swag: error: internal: unexpected failure while starting\n", stderr);
    return static_cast<int>(swag::ExitCode::failure);
  }
}
