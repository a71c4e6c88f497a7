#include "swag/train/device_scope.hpp"
#include "swag/train/finetune.hpp"

namespace swag::train {

const ConfigSchema& finetune_schema() {
  using I = std::int64_t;
  using S = std::string;
  static const ConfigSchema schema = with_device_keys({
      {"run.dir", S("runs/finetune"), "run directory (config, metrics, checkpoints, results)"},
      {"run.seed", I{0}, "seed of the head, the subset, the order, augmentation and mixup"},
      {"run.stop_at_step", I{0}, "checkpoint and stop (exit 75) at this step (0: never)",
       rule::at_least(0)},
      {"model.name", S(""), "model preset (default: the init checkpoint's)", rule::may_be_empty()},
      {"model.resolution", I{384}, "fine-tuning resolution: 384 RegNetY/ViT-B, 512 L, 518 H",
       rule::at_least(1)},
      {"init.checkpoint", S(""), "pre-trained weights or checkpoint ('': from scratch)",
       rule::may_be_empty()},
      {"init.head", S("new"), "new (fresh head) or zeroshot (ZS-Init through init.mapping)",
       rule::one_of({"new", "zeroshot"})},
      {"init.mapping", S(""), "mapping.json of swag vocab map, for init.head = zeroshot",
       rule::may_be_empty()},
      {"data.train", S("data/train"), "labelled training shards"},
      {"data.eval", S("data/val"), "labelled evaluation shards ('': no evaluation)",
       rule::may_be_empty()},
      {"data.fraction", 1.0, "share of the labelled training images used (0.01, 0.1, 1)",
       rule::share()},
      {"data.balanced", false, "take the share of every class"},
      {"data.min_crop_scale", 0.08, "RandomResizedCrop's smallest share of the area",
       rule::share()},
      {"data.subset_list", S(""), "image file names to train on, one a line ('': data.fraction)",
       rule::may_be_empty()},
      {"data.manifest", S(""), "manifest of data.train's shards, for data.subset_list",
       rule::may_be_empty()},
      {"data.workers", I{2}, "decoding threads per rank", rule::at_least(1)},
      {"data.prefetch", I{2}, "batches decoded ahead of the step", rule::at_least(1)},
      {"batch.global", I{512}, "images per step over all ranks", rule::at_least(1)},
      {"eval.batch", I{64}, "evaluation images per rank per step", rule::at_least(1)},
      {"schedule.steps", I{0}, "optimizer steps (0: 500 / 10k / 20k by labelled images)",
       rule::at_least(0)},
      {"schedule.warmup_fraction", 0.0, "linear warm-up from lr/10 over this share of steps",
       rule::within(0, 1)},
      {"optim.lr", 6e-3, "learning rate at optim.reference_batch (Table 8; 0 keeps the weights)",
       rule::at_least(0)},
      {"optim.reference_batch", I{512}, "batch of optim.lr", rule::at_least(1)},
      {"optim.momentum", 0.9, "SGD Nesterov momentum", rule::from_below(0, 1)},
      {"optim.weight_decay", 0.0, "weight decay (the paper uses none)", rule::at_least(0)},
      {"mixup.alpha", 0.1, "Beta(alpha, alpha) of mixup (0: off)", rule::at_least(0)},
      {"ema.weight", 1e-4, "EMA weight of the new values per step (0: no EMA)", rule::within(0, 1)},
      {"bn.sync", true, "batch-norm statistics over all ranks"},
      {"bn.sync_group", I{0}, "sync BN over blocks of N ranks (0: all; 1: local; Figure 4)",
       rule::at_least(0)},
      {"checkpoint.every", I{1000}, "steps between checkpoints", rule::at_least(1)},
      {"checkpoint.keep_last", I{2}, "checkpoints kept", rule::at_least(1)},
      {"checkpoint.restart_if_none_valid", false,
       "start over from step 0 when checkpoints exist but none verifies (false: stop, exit 4)"},
      {"log.every", I{20}, "steps between progress lines and metrics records", rule::at_least(1)},
  });
  return schema;
}

std::int64_t finetune_steps_for(std::int64_t labelled_images) {
  if (labelled_images <= 20'000) return 500;
  if (labelled_images <= 500'000) return 10'000;
  return 20'000;
}

}  // namespace swag::train
