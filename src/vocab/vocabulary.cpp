#include "swag/vocab/vocabulary.hpp"

#include <algorithm>
#include <tuple>

#include "swag/vocab/hashtag_synsets.hpp"

namespace swag::vocab {

Vocabulary build_vocabulary(const WordNet& wordnet,
                            const std::map<std::string, std::uint64_t>& hashtag_counts,
                            std::uint64_t min_count, BuildReport& report) {
  report = {};
  struct Pending {
    VocabClass c;
    std::uint64_t name_count = 0;
  };
  // Hashtags arrive in ascending order, so each class's list comes out sorted and, among
  // hashtags of the highest count, the first one (the smallest) names the class.
  std::map<std::vector<std::uint32_t>, Pending> by_synsets;
  for (const auto& [hashtag, count] : hashtag_counts) {
    ++report.hashtags;
    report.count += count;
    if (count < min_count) {
      ++report.below_min_count;
      report.count_below_min_count += count;
      continue;
    }
    auto synsets = hashtag_synsets(wordnet, hashtag);
    if (synsets.empty()) {
      ++report.no_synsets;
      report.count_no_synsets += count;
      report.top_no_synsets.emplace_back(hashtag, count);
      continue;
    }
    auto [entry, added] = by_synsets.try_emplace(std::move(synsets));
    Pending& pending = entry->second;
    if (added) pending.c.synsets = entry->first;
    if (added || count > pending.name_count) {
      pending.c.name = hashtag;
      pending.name_count = count;
    }
    pending.c.hashtags.push_back(hashtag);
    pending.c.count += count;
  }

  auto& dropped = report.top_no_synsets;
  const auto kept = std::min<std::ptrdiff_t>(10, static_cast<std::ptrdiff_t>(dropped.size()));
  std::partial_sort(dropped.begin(), dropped.begin() + kept, dropped.end(),
                    [](const auto& a, const auto& b) {
                      return std::tie(b.second, a.first) < std::tie(a.second, b.first);
                    });
  dropped.resize(kept);

  Vocabulary vocabulary;
  vocabulary.min_count = min_count;
  for (auto& entry : by_synsets) vocabulary.classes.push_back(std::move(entry.second.c));
  std::sort(vocabulary.classes.begin(), vocabulary.classes.end(),
            [](const VocabClass& a, const VocabClass& b) {
              return std::tie(b.count, a.name) < std::tie(a.count, b.name);
            });
  return vocabulary;
}

}  // namespace swag::vocab
