// UTF-8 as Python decodes it: hashtags are Python strings in Listing 1, so lengths and split
// points count code points, not bytes.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace swag::vocab {

// The byte offset of every code point, then the total size; nullopt when `text` is not valid
// UTF-8 by Python's strict decoder (no overlong forms, surrogates or values above U+10FFFF).
std::optional<std::vector<std::size_t>> code_point_offsets(std::string_view text);

}  // namespace swag::vocab
