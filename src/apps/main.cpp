// swag: one SPMD program for SWAG pre-training, transfer and evaluation (doc/cli.md).
#include <mpi.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "swag/apps/commands.hpp"
#include "swag/backends/cpu/runtime.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"

namespace {

int world_rank() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int rank = 0;
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int run(int argc, char** argv) {
  CLI::App app{"swag: weakly supervised pre-training of visual perception models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "swag 0.1.0");
  std::map<CLI::App*, swag::apps::Command> commands;
  auto add = [&](const char* name, const char* help, auto adder) {
    CLI::App* sub = app.add_subcommand(name, help);
    commands[sub] = adder(*sub);
  };
  // Commands that are one process by nature; they run without MPI, so they also work where
  // there is no MPI launcher (a GPU node's shell, a login node).
  const std::set<std::string> without_mpi{"info", "bench"};
  add("info", "model size: params, GMACs, activations, stages", swag::apps::add_info);
  add("predict", "logits (and loss and gradients) of a weights file on images",
      swag::apps::add_predict);
  add("bench", "training or inference throughput in images/s", swag::apps::add_bench);
  add("init", "write a freshly initialized weights file", swag::apps::add_init);
  add("check-config", "validate an input deck and print it resolved", swag::apps::add_check_config);
  add("shard", "pack images and hashtags into HDF5 shards and index.json", swag::apps::add_shard);
  add("sample", "statistics of the resampled training stream", swag::apps::add_sample);
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

  bool mpi = true;
  for (auto& [sub, run] : commands)
    if (sub->parsed() && without_mpi.contains(sub->get_name())) mpi = false;
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
