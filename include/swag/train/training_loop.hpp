// The step loop that pre-training and fine-tuning both drive: resume, staging, forward and
// backward, gradient finish, loss reduction, loss scaling, the update, progress, checkpoints.
// Each trainer brings its hooks: how a step's batch is filled, and what follows an update.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "swag/core/config.hpp"
#include "swag/data/loader.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/checkpoint.hpp"
#include "swag/train/host_staging.hpp"
#include "swag/train/loss_scaler.hpp"
#include "swag/train/lr_schedule.hpp"
#include "swag/train/optimizer.hpp"

namespace swag::train {

// Each rank's share of batch.global, which must split evenly over the ranks (else exit 3).
std::int64_t local_batch_of(std::int64_t global_batch, const dist::Communicator& comm);

// The loader's keys, the same in both training decks, appended to `keys`.
template <class Deck>
std::vector<DeckKey<Deck>> with_loader_keys(std::vector<DeckKey<Deck>> keys) {
  keys.insert(
      keys.end(),
      {
          SWAG_DECK_KEY(Deck, data.workers, 2, "decoding threads per rank", rule::at_least(1)),
          SWAG_DECK_KEY(Deck, data.prefetch, 2, "batches decoded ahead of the step",
                        rule::at_least(1)),
          SWAG_DECK_KEY(Deck, data.min_crop_scale, 0.08,
                        "RandomResizedCrop's smallest share of the area", rule::share()),
          SWAG_DECK_KEY(Deck, data.max_bad_fraction, 0.001,
                        "share of the images that may be corrupt, each skipped and replaced, "
                        "before the job stops (exit 4; 0: the first is an error)",
                        rule::from_below(0, 1)),
          SWAG_DECK_KEY(Deck, data.verify_shards, false,
                        "check each shard's SHA-256 against index.json when first opened (exit 4 "
                        "on a mismatch; reads each shard once more, doc/formats.md)"),
      });
  return keys;
}

// The loader those keys describe, over the shards in `dir`, read in `layout`'s batches.
data::LoaderOptions loader_options(const std::string& dir, const BatchLayout& layout);
template <class Deck>
data::LoaderOptions loader_options(const Deck& d, const std::string& dir,
                                   const BatchLayout& layout) {
  data::LoaderOptions o = loader_options(dir, layout);
  o.workers = static_cast<int>(d.data.workers);
  o.prefetch = static_cast<int>(d.data.prefetch);
  o.min_crop_scale = d.data.min_crop_scale;
  o.max_bad_fraction = d.data.max_bad_fraction;
  o.verify_shards = d.data.verify_shards;
  return o;
}

struct LoopOptions {
  std::string name;  // the command, in the closing line: pretrain, finetune
  std::string run_dir;
  std::int64_t global_batch = 1, total_steps = 1, checkpoint_every = 1, log_every = 1;
  std::int64_t stop_at = 0;  // run.stop_at_step
  bool sync_bn = false;
  std::int64_t sync_group = 0;  // bn.sync_group: sync BN over blocks of this many ranks (0: all)
  double clip_grad_norm = 0;    // 0: off
  // A step whose loss or gradients are not finite (and not an fp16 overflow): skipped, or the
  // run stops with ExitCode::numerics.
  bool skip_nonfinite = false;
  std::int64_t inject_nan_at_step = -1;  // testing aid: this step's loss becomes NaN
  bool report_grad_norm = false;         // in the progress lines and metrics records
};

// The options a training deck gives (its run, batch, checkpoint, log and bn sections).
template <class Deck>
LoopOptions loop_options(const Deck& d, std::string name, std::int64_t total_steps) {
  LoopOptions o;
  o.name = std::move(name);
  o.run_dir = d.run.dir;
  o.global_batch = d.batch.global;
  o.total_steps = total_steps;
  o.checkpoint_every = d.checkpoint.every;
  o.log_every = d.log.every;
  o.stop_at = d.run.stop_at_step;
  o.sync_bn = d.bn.sync;
  o.sync_group = d.bn.sync_group;
  return o;
}

struct LoopHooks {
  // Fills the host batch of `step` (its time counts as waiting for data); upload follows.
  std::function<void(std::int64_t step, Tensor& images, Tensor& targets)> fill;
  // Then, before the upload, changes it on the host (fine-tuning's mixup).
  std::function<void(std::int64_t step, Tensor& images, Tensor& targets)> mix;
  // After each applied update (fine-tuning's EMA).
  std::function<void()> after_update;
  // Corrupt images this rank's batches replaced so far (data::Loader::bad_draws); reported,
  // summed over the ranks, as bad_images.
  std::function<std::int64_t()> bad_draws;
};

class TrainingLoop {
 public:
  // `extra`: the tensors checkpoints carry besides the model and optimizer (the loss scaler's
  // state is added when it is enabled).
  TrainingLoop(const dist::Communicator& comm, nn::Model& model, Optimizer& optimizer,
               LossScaler& scaler, const LrSchedule& schedule, CheckpointPolicy policy,
               ExtraState extra, LoopOptions options);
  // Collective: the newest valid checkpoint into the model, the optimizer and the extra state,
  // `state` moved to its step (CheckpointStore::resume); what it saved, or nothing.
  std::optional<RunState> resume(RunState& state) const;
  // Collective: writes config.toml (rank 0), then the steps from state.step to total_steps,
  // checkpointing as the options say; a stop ends the run with ExitCode::stopped. Returns the
  // summary for results.json (Progress::finish).
  nlohmann::ordered_json run(RunState& state, StagedBatch& batch, const LoopHooks& hooks);
  const CheckpointStore& checkpoints() const { return checkpoints_; }

 private:
  const dist::Communicator& comm_;
  nn::Model& model_;
  Optimizer& optimizer_;
  LossScaler& scaler_;
  LrSchedule schedule_;
  CheckpointStore checkpoints_;
  ExtraState extra_;
  LoopOptions options_;
};

}  // namespace swag::train
