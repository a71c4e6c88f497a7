// Checkpoints that survive anything: the weights (doc/formats.md), the optimizer state and the
// run's position under one SHA-256, written, verified and renamed collectively; the newest valid
// one resumes a run. The protocol and retention: doc/checkpoints.md.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/optimizer.hpp"

namespace swag::train {

// The run's position and identity, saved beside the weights.
struct RunState {
  std::int64_t step = 0;           // optimizer updates done
  std::int64_t sample_cursor = 0;  // global samples consumed
  std::uint64_t seed = 0;
  std::int64_t world_size = 1;
  std::uint64_t config_hash = 0;
  std::string vocab_sha256;
  std::string config_toml;  // the resolved deck
};

// Named tensors saved beside the model and optimizer (/extra/<name>), e.g. EMA weights.
using ExtraState = std::map<std::string, Tensor>;

struct CheckpointPolicy {
  std::int64_t keep_last = 3;
  std::int64_t keep_every = 0;  // also keep steps that are multiples of this (0: none)
  // When checkpoints exist but none verifies and fits the run: start over from step 0 (true)
  // or stop with an error (false).
  bool restart_if_none_valid = false;
};

class CheckpointStore {
 public:
  CheckpointStore(const std::string& run_dir, CheckpointPolicy policy);

  // Collective. Returns the path written.
  std::string save(const dist::Communicator& comm, nn::Model& model, const Optimizer& optimizer,
                   const RunState& state, const ExtraState& extra = {}) const;
  // Collective. Loads the newest checkpoint that verifies into model and optimizer; nothing
  // (and no change) when there is none.
  // `extra` receives the saved tensors of the same names (their shapes must match).
  std::optional<RunState> load_latest(const dist::Communicator& comm, nn::Model& model,
                                      Optimizer& optimizer, const ExtraState& extra = {}) const;

  // Collective. Loads the newest valid checkpoint as load_latest does and moves `state` to its
  // step and sample cursor (warning when the deck changed since); returns what it saved, so
  // that the caller can check more of it. Nothing when the run starts fresh.
  std::optional<RunState> resume(const dist::Communicator& comm, nn::Model& model,
                                 Optimizer& optimizer, RunState& state,
                                 const ExtraState& extra = {}) const;
  // Collective, after each step: a checkpoint every `every` steps, at `total_steps` and when a
  // stop is asked for (a signal on any rank, or run.stop_at_step = `stop_at`); a stop then ends
  // the run with ExitCode::stopped (75).
  void after_step(const dist::Communicator& comm, nn::Model& model, const Optimizer& optimizer,
                  const RunState& state, std::int64_t every, std::int64_t total_steps,
                  std::int64_t stop_at, const ExtraState& extra = {}) const;

  // Reads every dataset of a checkpoint and compares the checksum; on failure, why.
  static std::optional<std::string> verify(const std::string& path);
  // verify(), and the model, classes and every tensor's shape match the run's; else why.
  static std::optional<std::string> loadable(const std::string& path, nn::Model& model,
                                             const Optimizer& optimizer, const ExtraState& extra);
  std::string path_for(std::int64_t step) const;
  const std::string& directory() const { return dir_; }

  // The checkpoints this store has written, and the seconds spent in save() (all of it: the
  // collective checks, writing, verifying), for the end-of-training summary.
  std::int64_t saves() const { return saves_; }
  double save_seconds() const { return save_seconds_; }

 private:
  void apply_retention(std::int64_t written) const;
  std::string dir_;
  CheckpointPolicy policy_;
  mutable std::int64_t saves_ = 0;
  mutable double save_seconds_ = 0;
};

// SIGTERM, SIGUSR1 (what Slurm sends before a time limit, with --signal) and SIGINT (Ctrl-C)
// ask the run to stop: the trainer finishes the step, the ranks agree, a checkpoint is written
// (CheckpointStore::after_step) and the program exits with ExitCode::stopped.
void install_stop_handlers();
bool stop_requested();  // on this rank

}  // namespace swag::train
