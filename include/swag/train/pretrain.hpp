// SPMD pre-training (§3.2) and its input deck (inputs/pretrain/*.toml): the keys, with defaults
// from the paper's RegNetY recipe, and the typed deck the trainer reads (doc/config.md).
#pragma once
#include <cstdint>
#include <string>

#include "swag/core/config.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/train/device_scope.hpp"

namespace swag::train {

struct PretrainDeck {
  RunKeys run;
  struct {
    std::string name;
    std::int64_t resolution = 0, num_classes = 0;
    bool pre_logits = false;
  } model;
  struct {
    bool sync = false;
    std::int64_t sync_group = 0;
  } bn;
  struct {
    std::string source, dir;
    std::int64_t workers = 0, prefetch = 0, max_open_shards = 0, head_threshold = 0;
    double alpha = 0, max_bad_fraction = 0, min_crop_scale = 0;
    bool verify_shards = false;
  } data;
  struct {
    std::int64_t global = 0;
  } batch;
  struct {
    std::int64_t steps = 0;
    double warmup_fraction = 0;
  } schedule;
  struct {
    std::string name;
    double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, weight_decay = 0, clip_grad_norm = 0;
    std::int64_t reference_batch = 0;
  } optim;
  struct {
    std::string on_nonfinite;
    double loss_scale = 0;
    std::int64_t inject_nan_at_step = 0;
  } numerics;
  struct {
    std::int64_t every = 0, keep_last = 0, keep_every = 0;
    bool restart_if_none_valid = false;
  } checkpoint;
  struct {
    std::int64_t every = 0;
  } log;
};

const DeckSchema<PretrainDeck>& pretrain_deck_schema();
const ConfigSchema& pretrain_schema();
// The typed deck of a loaded Config, checked beyond each key's rule (numerics.loss_scale a power
// of two; exit 3).
PretrainDeck pretrain_deck(const Config& config);

// Every rank runs this with the same deck. The global batch is split evenly over the ranks;
// gradients are averaged by a bucketed all-reduce started during backward; rank 0 logs progress
// and writes metrics.jsonl, results.json and, with the other ranks' agreement, checkpoints. A
// run resumes from its newest valid checkpoint. Returns normally when the schedule is complete;
// throws Error(ExitCode::stopped) after the checkpoint that a stop signal asked for.
void pretrain(const Config& config, const dist::Communicator& comm);

}  // namespace swag::train
