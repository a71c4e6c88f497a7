// The keys of a pre-training input deck (inputs/pretrain/*.toml), with defaults from the
// paper's RegNetY recipe (§3.2). `swag check-config` validates a deck against them.
#pragma once
#include "swag/core/config.hpp"
#include "swag/data/loader.hpp"

namespace swag::train {

const ConfigSchema& pretrain_schema();

// The data checks of both training decks, appended to `keys`: data.max_bad_fraction (the share
// of the dataset's images that may be corrupt, each skipped and replaced, before a rank stops
// the job) and data.verify_shards (each shard's SHA-256 against index.json on first open).
ConfigSchema with_data_check_keys(ConfigSchema keys);
// The loader options those keys set.
void set_data_checks(const Config& c, data::LoaderOptions& o);

}  // namespace swag::train
