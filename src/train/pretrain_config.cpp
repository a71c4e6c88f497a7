#include "swag/train/pretrain_config.hpp"

namespace swag::train {

const ConfigSchema& pretrain_schema() {
  using I = std::int64_t;
  static const ConfigSchema schema = {
      {"run.dir", std::string("runs/pretrain"), "run directory (config, metrics, checkpoints)"},
      {"run.seed", I{0}, "seed of initialization, sampling and augmentation"},
      {"model.name", std::string("regnety_16gf"), "model preset"},
      {"model.resolution", I{224}, "training resolution"},
      {"data.dir", std::string("data/shards"), "shard directory with index.json"},
      {"batch.global", I{8192}, "images per step over all ranks"},
      {"schedule.steps", I{1000}, "optimizer steps"},
      {"schedule.warmup_fraction", 0.05, "linear warm-up from lr/10 over this share of steps"},
      {"optim.name", std::string("sgd"), "sgd (Nesterov) or adamw"},
      {"optim.lr", 0.1, "base learning rate (per 256 images for sgd)"},
      {"optim.momentum", 0.9, "SGD momentum"},
      {"optim.weight_decay", 1e-5, "weight decay (none on BatchNorm)"},
      {"checkpoint.every", I{1000}, "steps between checkpoints"},
      {"checkpoint.keep_last", I{3}, "checkpoints kept besides every keep_every-th"},
  };
  return schema;
}

}  // namespace swag::train
