#include "swag/train/pretrain_config.hpp"

#include "swag/train/device_scope.hpp"

namespace swag::train {

const ConfigSchema& pretrain_schema() {
  using I = std::int64_t;
  static const ConfigSchema schema = with_device_keys({
      {"run.dir", std::string("runs/pretrain"), "run directory (config, metrics, checkpoints)"},
      {"run.seed", I{0}, "seed of initialization, sampling and augmentation"},
      {"run.stop_at_step", I{0},
       "checkpoint and stop (exit 75) at this step, as on a signal (0: never)", rule::at_least(0)},
      {"model.name", std::string("regnety_16gf"), "model preset"},
      {"model.resolution", I{224}, "training resolution", rule::at_least(1)},
      {"model.pre_logits", false,
       "ViT: the extra D->D linear and tanh before the classifier (§3.2)"},
      {"model.num_classes", I{0}, "classes; 0: the vocabulary's (shards) or 10 (synthetic)",
       rule::at_least(0)},
      {"bn.sync", false,
       "batch-norm statistics over all ranks (sync BN); off: each rank's own, and checkpoints "
       "hold rank 0's running statistics"},
      {"bn.sync_group", I{0}, "sync BN over blocks of N ranks (0: all; 1: local; Figure 4)",
       rule::at_least(0)},
      {"data.source", std::string("shards"), "shards (data.dir) or synthetic (tests, smoke runs)",
       rule::one_of({"shards", "synthetic"})},
      {"data.dir", std::string("data/shards"), "shard directory with index.json"},
      {"data.workers", I{2}, "decoding threads per rank", rule::at_least(1)},
      {"data.prefetch", I{2}, "batches decoded ahead of the step", rule::at_least(1)},
      {"data.max_open_shards", I{8},
       "shard files each decoding thread keeps open (the least recently used is closed)",
       rule::at_least(1)},
      {"data.min_crop_scale", 0.08, "RandomResizedCrop's smallest share of the area",
       rule::share()},
      {"data.alpha", 0.7, "share of samples drawn from head images (§3.1)", rule::within(0, 1)},
      {"data.head_threshold", I{5000}, "images a class needs to be a head class",
       rule::at_least(1)},
      {"batch.global", I{8192}, "images per step over all ranks", rule::at_least(1)},
      {"schedule.steps", I{1000}, "optimizer steps", rule::at_least(1)},
      {"schedule.warmup_fraction", 0.05, "linear warm-up from lr/10 over this share of steps",
       rule::within(0, 1)},
      {"optim.name", std::string("sgd"), "sgd (Nesterov) or adamw", rule::one_of({"sgd", "adamw"})},
      {"optim.lr", 0.1, "base learning rate per optim.reference_batch images", rule::above(0)},
      {"optim.reference_batch", I{256}, "batch of optim.lr: 256 for RegNetY, 8192 for ViT",
       rule::at_least(1)},
      {"optim.momentum", 0.9, "SGD momentum", rule::from_below(0, 1)},
      {"optim.beta1", 0.9, "AdamW beta1", rule::from_below(0, 1)},
      {"optim.beta2", 0.95, "AdamW beta2", rule::from_below(0, 1)},
      {"optim.weight_decay", 1e-5, "weight decay (none on BatchNorm)", rule::at_least(0)},
      {"optim.clip_grad_norm", 0.0, "clip the global gradient norm to this (0: off)",
       rule::at_least(0)},
      {"numerics.on_nonfinite", std::string("stop"),
       "stop or skip a step whose loss or gradients are not finite",
       rule::one_of({"stop", "skip"})},
      {"numerics.loss_scale", 65536.0,
       "run.precision = fp16: the initial dynamic loss scale (a power of two)", rule::above(0)},
      {"numerics.inject_nan_at_step", I{-1}, "testing aid: make the loss of this step NaN",
       rule::at_least(-1)},
      {"checkpoint.every", I{1000}, "steps between checkpoints", rule::at_least(1)},
      {"checkpoint.keep_last", I{3}, "checkpoints kept besides every keep_every-th",
       rule::at_least(1)},
      {"checkpoint.keep_every", I{0}, "also keep checkpoints of steps that are multiples (0: none)",
       rule::at_least(0)},
      {"checkpoint.restart_if_none_valid", false,
       "start over from step 0 when checkpoints exist but none verifies (false: stop, exit 4)"},
      {"log.every", I{10}, "steps between progress lines and metrics records", rule::at_least(1)},
  });
  return schema;
}

}  // namespace swag::train
