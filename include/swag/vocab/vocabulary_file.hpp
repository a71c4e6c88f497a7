// vocab.json (doc/formats.md, "Vocabulary"): writing and validated reading.
#pragma once
#include <string>

#include "swag/vocab/vocabulary.hpp"

namespace swag::vocab {

// The file's text: one class per line, one hashtag per line in the raw -> class map.
std::string vocabulary_json(const Vocabulary& vocabulary);

// An unreadable file is an io error; anything not as documented an input error naming the
// file and the field.
Vocabulary read_vocabulary(const std::string& path);

}  // namespace swag::vocab
