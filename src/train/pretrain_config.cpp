#include "swag/train/pretrain_config.hpp"

#include "swag/train/device_scope.hpp"

namespace swag::train {

const ConfigSchema& pretrain_schema() {
  using I = std::int64_t;
  static const ConfigSchema schema = with_device_keys({
      {"run.dir", std::string("runs/pretrain"), "run directory (config, metrics, checkpoints)"},
      {"run.seed", I{0}, "seed of initialization, sampling and augmentation"},
      {"run.stop_at_step", I{0},
       "checkpoint and stop (exit 75) at this step, as on a signal (0: never)"},
      {"model.name", std::string("regnety_16gf"), "model preset"},
      {"model.resolution", I{224}, "training resolution"},
      {"model.pre_logits", false,
       "ViT: the extra D->D linear and tanh before the classifier (§3.2)"},
      {"model.num_classes", I{0}, "classes; 0: the vocabulary's (shards) or 10 (synthetic)"},
      {"bn.sync", false,
       "batch-norm statistics over all ranks (sync BN); off: each rank's own, and checkpoints "
       "hold rank 0's running statistics"},
      {"data.source", std::string("shards"), "shards (data.dir) or synthetic (tests, smoke runs)"},
      {"data.dir", std::string("data/shards"), "shard directory with index.json"},
      {"data.workers", I{2}, "decoding threads per rank"},
      {"data.prefetch", I{2}, "batches decoded ahead of the step"},
      {"data.max_open_shards", I{8},
       "shard files each decoding thread keeps open (the least recently used is closed)"},
      {"data.alpha", 0.7, "share of samples drawn from head images (§3.1)"},
      {"data.head_threshold", I{5000}, "images a class needs to be a head class"},
      {"batch.global", I{8192}, "images per step over all ranks"},
      {"schedule.steps", I{1000}, "optimizer steps"},
      {"schedule.warmup_fraction", 0.05, "linear warm-up from lr/10 over this share of steps"},
      {"optim.name", std::string("sgd"), "sgd (Nesterov) or adamw"},
      {"optim.lr", 0.1, "base learning rate per optim.reference_batch images"},
      {"optim.reference_batch", I{256}, "batch of optim.lr: 256 for RegNetY, 8192 for ViT"},
      {"optim.momentum", 0.9, "SGD momentum"},
      {"optim.beta1", 0.9, "AdamW beta1"},
      {"optim.beta2", 0.95, "AdamW beta2"},
      {"optim.weight_decay", 1e-5, "weight decay (none on BatchNorm)"},
      {"optim.clip_grad_norm", 0.0, "clip the global gradient norm to this (0: off)"},
      {"numerics.on_nonfinite", std::string("stop"),
       "stop or skip a step whose loss or gradients are not finite"},
      {"numerics.loss_scale", 65536.0,
       "run.precision = fp16: the initial dynamic loss scale (a power of two)"},
      {"numerics.inject_nan_at_step", I{-1}, "testing aid: make the loss of this step NaN"},
      {"checkpoint.every", I{1000}, "steps between checkpoints"},
      {"checkpoint.keep_last", I{3}, "checkpoints kept besides every keep_every-th"},
      {"checkpoint.keep_every", I{0},
       "also keep checkpoints of steps that are multiples (0: none)"},
      {"log.every", I{10}, "steps between progress lines and metrics records"},
  });
  return schema;
}

}  // namespace swag::train
