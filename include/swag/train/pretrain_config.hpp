// The keys of a pre-training input deck (inputs/pretrain/*.toml), with defaults from the
// paper's RegNetY recipe (§3.2). `swag check-config` validates a deck against them.
#pragma once
#include "swag/core/config.hpp"

namespace swag::train {

const ConfigSchema& pretrain_schema();

}  // namespace swag::train
