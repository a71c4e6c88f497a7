#include <cmath>

#include "swag/core/error.hpp"
#include "swag/train/pretrain.hpp"
#include "swag/train/training_loop.hpp"

namespace swag::train {

const DeckSchema<PretrainDeck>& pretrain_deck_schema() {
  using D = PretrainDeck;
  static const DeckSchema<D> schema(with_device_keys<D>(with_loader_keys<D>({
      SWAG_DECK_KEY(D, run.dir, "runs/pretrain", "run directory (config, metrics, checkpoints)"),
      SWAG_DECK_KEY(D, run.seed, 0, "seed of initialization, sampling and augmentation"),
      SWAG_DECK_KEY(D, run.stop_at_step, 0,
                    "checkpoint and stop (exit 75) at this step, as on a signal (0: never)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, model.name, "regnety_16gf", "model preset"),
      SWAG_DECK_KEY(D, model.resolution, 224, "training resolution", rule::at_least(1)),
      SWAG_DECK_KEY(D, model.pre_logits, false,
                    "ViT: the extra D->D linear and tanh before the classifier (§3.2)"),
      SWAG_DECK_KEY(D, model.num_classes, 0,
                    "classes; 0: the vocabulary's (shards) or 10 (synthetic)", rule::at_least(0)),
      SWAG_DECK_KEY(
          D, bn.sync, false,
          "batch-norm statistics over all ranks (sync BN); off: each rank's own, and checkpoints "
          "hold rank 0's running statistics"),
      SWAG_DECK_KEY(D, bn.sync_group, 0,
                    "sync BN over blocks of N ranks (0: all; 1: local; Figure 4)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, data.source, "shards", "shards (data.dir) or synthetic (tests, smoke runs)",
                    rule::one_of({"shards", "synthetic"})),
      SWAG_DECK_KEY(D, data.dir, "data/shards", "shard directory with index.json"),
      SWAG_DECK_KEY(
          D, data.max_open_shards, 8,
          "shard files each decoding thread keeps open (the least recently used is closed)",
          rule::at_least(1)),
      SWAG_DECK_KEY(D, data.alpha, 0.7, "share of samples drawn from head images (§3.1)",
                    rule::within(0, 1)),
      SWAG_DECK_KEY(D, data.head_threshold, 5000, "images a class needs to be a head class",
                    rule::at_least(1)),
      SWAG_DECK_KEY(D, batch.global, 8192, "images per step over all ranks", rule::at_least(1)),
      SWAG_DECK_KEY(D, schedule.steps, 1000, "optimizer steps", rule::at_least(1)),
      SWAG_DECK_KEY(D, schedule.warmup_fraction, 0.05,
                    "linear warm-up from lr/10 over this share of steps", rule::within(0, 1)),
      SWAG_DECK_KEY(D, optim.name, "sgd", "sgd (Nesterov) or adamw",
                    rule::one_of({"sgd", "adamw"})),
      SWAG_DECK_KEY(D, optim.lr, 0.1, "base learning rate per optim.reference_batch images",
                    rule::above(0)),
      SWAG_DECK_KEY(D, optim.reference_batch, 256,
                    "batch of optim.lr: 256 for RegNetY, 8192 for ViT", rule::at_least(1)),
      SWAG_DECK_KEY(D, optim.momentum, 0.9, "SGD momentum", rule::from_below(0, 1)),
      SWAG_DECK_KEY(D, optim.beta1, 0.9, "AdamW beta1", rule::from_below(0, 1)),
      SWAG_DECK_KEY(D, optim.beta2, 0.95, "AdamW beta2", rule::from_below(0, 1)),
      SWAG_DECK_KEY(D, optim.weight_decay, 1e-5, "weight decay (none on BatchNorm)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, optim.clip_grad_norm, 0.0, "clip the global gradient norm to this (0: off)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, numerics.on_nonfinite, "stop",
                    "stop or skip a step whose loss or gradients are not finite",
                    rule::one_of({"stop", "skip"})),
      SWAG_DECK_KEY(D, numerics.loss_scale, 65536.0,
                    "run.precision = fp16: the initial dynamic loss scale (a power of two)",
                    rule::above(0)),
      SWAG_DECK_KEY(D, numerics.inject_nan_at_step, -1,
                    "testing aid: make the loss of this step NaN", rule::at_least(-1)),
      SWAG_DECK_KEY(D, checkpoint.every, 1000, "steps between checkpoints", rule::at_least(1)),
      SWAG_DECK_KEY(D, checkpoint.keep_last, 3, "checkpoints kept besides every keep_every-th",
                    rule::at_least(1)),
      SWAG_DECK_KEY(D, checkpoint.keep_every, 0,
                    "also keep checkpoints of steps that are multiples (0: none)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(
          D, checkpoint.restart_if_none_valid, false,
          "start over from step 0 when checkpoints exist but none verifies (false: stop, exit 4)"),
      SWAG_DECK_KEY(D, log.every, 10, "steps between progress lines and metrics records",
                    rule::at_least(1)),
  })));
  return schema;
}

const ConfigSchema& pretrain_schema() {
  return pretrain_deck_schema().config_schema();
}

PretrainDeck pretrain_deck(const Config& config) {
  PretrainDeck d = pretrain_deck_schema().parse(config);
  const double scale = d.numerics.loss_scale;
  if (!(scale >= 1) || std::exp2(std::round(std::log2(scale))) != scale)
    fail(ExitCode::config, "numerics.loss_scale must be a power of two >= 1, not {}", scale);
  return d;
}

}  // namespace swag::train
