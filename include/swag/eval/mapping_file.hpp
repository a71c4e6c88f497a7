// Reading mapping.json (`swag vocab map`, doc/formats.md) into the class mapping M of zero-shot
// transfer: for each target class, its hashtag classes.
#pragma once
#include <string>

#include "swag/eval/zero_shot_scores.hpp"

namespace swag::eval {

struct MappingFile {
  ClassMapping mapping;          // [num_targets] -> hashtag class ids
  std::int64_t num_classes = 0;  // hashtag classes of the vocabulary
  std::string vocab_sha256;
};

// Errors (exit 4) name the file and the entry.
MappingFile read_mapping_file(const std::string& path);

}  // namespace swag::eval
