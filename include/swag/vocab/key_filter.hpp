// A quick "certainly not a key" test in front of a hash table of strings. Listing 1 asks the
// lemma index about many strings that are not lemmas (every split of every hashtag, in four
// parts of speech); a one-bit-per-hash filter that fits in cache answers most of them without
// touching the table.
#pragma once
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace swag::vocab {

class KeyFilter {
 public:
  // 2^bits_log2 bits; a few percent false positives while keys stay under 1/32 of that.
  explicit KeyFilter(int bits_log2) : bits_(std::size_t{1} << bits_log2, false) {}

  void add(std::string_view key) {
    if (key.size() > max_length_) max_length_ = key.size();
    bits_[slot(key)] = true;
  }

  // False only when no added key can equal `text`.
  bool may_contain(std::string_view text) const {
    return text.size() <= max_length_ && bits_[slot(text)];
  }

 private:
  std::size_t slot(std::string_view text) const {
    return std::hash<std::string_view>{}(text) & (bits_.size() - 1);
  }

  std::size_t max_length_ = 0;
  std::vector<bool> bits_;
};

}  // namespace swag::vocab
