// Transfer by fine-tuning (paper §4.1; doc/finetune.md): a pre-trained trunk with a new head
// (or one initialized zero-shot from the hashtag head, "ZS-Init"), SGD with Nesterov momentum at
// batch 512 (learning rate scaled linearly), half-cosine, no weight decay, mixup α = 0.1 on soft
// targets, an EMA of the weights and sync BN across ranks, on 1%, 10% or 100% of the labels.
// Writes the run directory as pre-training does, plus model.h5 and results.json with the
// accuracy on the evaluation set.
#pragma once
#include "swag/core/config.hpp"
#include "swag/dist/communicator.hpp"
#include "swag/train/finetune_config.hpp"

namespace swag::train {

void finetune(const Config& config, const dist::Communicator& comm);

}  // namespace swag::train
