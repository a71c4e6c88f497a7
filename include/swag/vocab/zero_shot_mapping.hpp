// mapping.json (doc/formats.md, "Zero-shot mapping"): each target class of an evaluation set
// with the vocabulary classes that `swag vocab map` found nearest to it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "swag/vocab/nearest_classes.hpp"
#include "swag/vocab/vocabulary.hpp"

namespace swag::vocab {

struct TargetClass {
  std::uint32_t offset = 0;  // the target's noun synset
  std::string synset_name;   // NLTK's name, for readers
  TargetMatch match;
};

// vocab_sha256: the digest of the vocab.json bytes the class ids index.
std::string zero_shot_mapping_json(const Vocabulary& vocabulary, const std::string& vocab_sha256,
                                   const std::vector<TargetClass>& targets);

}  // namespace swag::vocab
