#include "swag/train/finetune.hpp"
#include "swag/train/training_loop.hpp"

namespace swag::train {

const DeckSchema<FinetuneDeck>& finetune_deck_schema() {
  using D = FinetuneDeck;
  static const DeckSchema<D> schema(with_device_keys<D>(with_loader_keys<D>({
      SWAG_DECK_KEY(D, run.dir, "runs/finetune",
                    "run directory (config, metrics, checkpoints, results)"),
      SWAG_DECK_KEY(D, run.seed, 0,
                    "seed of the head, the subset, the order, augmentation and mixup"),
      SWAG_DECK_KEY(D, run.stop_at_step, 0, "checkpoint and stop (exit 75) at this step (0: never)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, model.name, "", "model preset (default: the init checkpoint's)",
                    rule::may_be_empty()),
      SWAG_DECK_KEY(D, model.resolution, 384,
                    "fine-tuning resolution: 384 RegNetY/ViT-B, 512 L, 518 H", rule::at_least(1)),
      SWAG_DECK_KEY(D, init.checkpoint, "", "pre-trained weights or checkpoint ('': from scratch)",
                    rule::may_be_empty()),
      SWAG_DECK_KEY(D, init.head, "new",
                    "new (fresh head) or zeroshot (ZS-Init through init.mapping)",
                    rule::one_of({"new", "zeroshot"})),
      SWAG_DECK_KEY(D, init.mapping, "", "mapping.json of swag vocab map, for init.head = zeroshot",
                    rule::may_be_empty()),
      SWAG_DECK_KEY(D, data.train, "data/train", "labelled training shards"),
      SWAG_DECK_KEY(D, data.eval, "data/val", "labelled evaluation shards ('': no evaluation)",
                    rule::may_be_empty()),
      SWAG_DECK_KEY(D, data.fraction, 1.0,
                    "share of the labelled training images used (0.01, 0.1, 1)", rule::share()),
      SWAG_DECK_KEY(D, data.balanced, false, "take the share of every class"),
      SWAG_DECK_KEY(D, data.subset_list, "",
                    "image file names to train on, one a line ('': data.fraction)",
                    rule::may_be_empty()),
      SWAG_DECK_KEY(D, data.manifest, "", "manifest of data.train's shards, for data.subset_list",
                    rule::may_be_empty()),
      SWAG_DECK_KEY(D, batch.global, 512, "images per step over all ranks", rule::at_least(1)),
      SWAG_DECK_KEY(D, eval.batch, 64, "evaluation images per rank per step", rule::at_least(1)),
      SWAG_DECK_KEY(D, schedule.steps, 0, "optimizer steps (0: 500 / 10k / 20k by labelled images)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, schedule.warmup_fraction, 0.0,
                    "linear warm-up from lr/10 over this share of steps", rule::within(0, 1)),
      SWAG_DECK_KEY(D, optim.lr, 6e-3,
                    "learning rate at optim.reference_batch (Table 8; 0 keeps the weights)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, optim.reference_batch, 512, "batch of optim.lr", rule::at_least(1)),
      SWAG_DECK_KEY(D, optim.momentum, 0.9, "SGD Nesterov momentum", rule::from_below(0, 1)),
      SWAG_DECK_KEY(D, optim.weight_decay, 0.0, "weight decay (the paper uses none)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, mixup.alpha, 0.1, "Beta(alpha, alpha) of mixup (0: off)", rule::at_least(0)),
      SWAG_DECK_KEY(D, ema.weight, 1e-4, "EMA weight of the new values per step (0: no EMA)",
                    rule::within(0, 1)),
      SWAG_DECK_KEY(D, bn.sync, true, "batch-norm statistics over all ranks"),
      SWAG_DECK_KEY(D, bn.sync_group, 0,
                    "sync BN over blocks of N ranks (0: all; 1: local; Figure 4)",
                    rule::at_least(0)),
      SWAG_DECK_KEY(D, checkpoint.every, 1000, "steps between checkpoints", rule::at_least(1)),
      SWAG_DECK_KEY(D, checkpoint.keep_last, 2, "checkpoints kept", rule::at_least(1)),
      SWAG_DECK_KEY(
          D, checkpoint.restart_if_none_valid, false,
          "start over from step 0 when checkpoints exist but none verifies (false: stop, exit 4)"),
      SWAG_DECK_KEY(D, log.every, 20, "steps between progress lines and metrics records",
                    rule::at_least(1)),
  })));
  return schema;
}

const ConfigSchema& finetune_schema() {
  return finetune_deck_schema().config_schema();
}

FinetuneDeck finetune_deck(const Config& config) {
  return finetune_deck_schema().parse(config);
}

std::int64_t finetune_steps_for(std::int64_t labelled_images) {
  if (labelled_images <= 20'000) return 500;
  if (labelled_images <= 500'000) return 10'000;
  return 20'000;
}

}  // namespace swag::train
