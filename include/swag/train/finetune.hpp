// Transfer by fine-tuning (paper §4.1; doc/finetune.md) and its input deck
// (inputs/finetune/*.toml): the keys, with the paper's transfer recipe as defaults, and the typed
// deck the trainer reads (doc/config.md).
#pragma once
#include <cstdint>
#include <string>

#include "swag/core/config.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/train/device_scope.hpp"

namespace swag::train {

struct FinetuneDeck {
  RunKeys run;
  struct {
    std::string name;
    std::int64_t resolution = 0;
  } model;
  struct {
    std::string checkpoint, head, mapping;
  } init;
  struct {
    std::string train, eval, subset_list, manifest;
    double fraction = 0, max_bad_fraction = 0, min_crop_scale = 0;
    bool balanced = false, verify_shards = false;
    std::int64_t workers = 0, prefetch = 0;
  } data;
  struct {
    std::int64_t global = 0;
  } batch;
  struct {
    std::int64_t batch = 0;
  } eval;
  struct {
    std::int64_t steps = 0;
    double warmup_fraction = 0;
  } schedule;
  struct {
    double lr = 0, momentum = 0, weight_decay = 0;
    std::int64_t reference_batch = 0;
  } optim;
  struct {
    double alpha = 0;
  } mixup;
  struct {
    double weight = 0;
  } ema;
  struct {
    bool sync = false;
    std::int64_t sync_group = 0;
  } bn;
  struct {
    std::int64_t every = 0, keep_last = 0;
    bool restart_if_none_valid = false;
  } checkpoint;
  struct {
    std::int64_t every = 0;
  } log;
};

const DeckSchema<FinetuneDeck>& finetune_deck_schema();
const ConfigSchema& finetune_schema();
// The typed deck of a loaded Config.
FinetuneDeck finetune_deck(const Config& config);

// The paper's step count for N labelled training images: 500 up to 20k, 10k up to 500k, else
// 20k.
std::int64_t finetune_steps_for(std::int64_t labelled_images);

// A pre-trained trunk with a new head (or one initialized zero-shot from the hashtag head,
// "ZS-Init"), SGD with Nesterov momentum at batch 512 (learning rate scaled linearly),
// half-cosine, no weight decay, mixup α = 0.1 on soft targets, an EMA of the weights and sync BN
// across ranks, on 1%, 10% or 100% of the labels. Writes the run directory as pre-training does,
// plus model.h5 and results.json with the accuracy on the evaluation set.
void finetune(const Config& config, const dist::Communicator& comm);

}  // namespace swag::train
