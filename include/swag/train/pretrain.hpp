// SPMD pre-training (§3.2): every rank runs this with the same deck. The global batch is split
// evenly over the ranks; gradients are averaged by a bucketed all-reduce started during
// backward; rank 0 logs progress and writes metrics.jsonl, results.json and, with the other
// ranks' agreement, checkpoints. A run resumes from its newest valid checkpoint.
#pragma once
#include "swag/core/config.hpp"
#include "swag/dist/communicator.hpp"

namespace swag::train {

// Returns normally when the schedule is complete; throws Error(ExitCode::stopped) after the
// checkpoint that a stop signal asked for.
void pretrain(const Config& config, const dist::Communicator& comm);

}  // namespace swag::train
