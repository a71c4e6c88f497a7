// Raw hashtag counts, the input of `swag vocab build`: lines "hashtag<TAB>count".
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace swag::vocab {

// Hashtags lowercased (A-Z), leading '#'s stripped, counts of repeated hashtags summed; empty
// lines skipped. Anything else that is not "hashtag<TAB>non-negative integer" with a valid
// UTF-8 hashtag is an input error naming path:line.
std::map<std::string, std::uint64_t> read_hashtag_counts(const std::string& path);

}  // namespace swag::vocab
