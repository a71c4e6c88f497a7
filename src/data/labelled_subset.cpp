#include "swag/data/labelled_subset.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <unordered_map>

#include "swag/core/error.hpp"
#include "swag/core/rng.hpp"

namespace swag::data {

std::uint64_t keyed_permutation(std::uint64_t i, std::uint64_t n, std::uint64_t seed,
                                std::uint64_t epoch) {
  SWAG_CHECK(i < n, "keyed_permutation: {} is outside [0, {})", i, n);
  int half_bits = 1;
  while ((std::uint64_t{1} << (2 * half_bits)) < n) ++half_bits;
  const std::uint64_t mask = (std::uint64_t{1} << half_bits) - 1;
  const std::array<std::uint32_t, 2> key{static_cast<std::uint32_t>(seed),
                                         static_cast<std::uint32_t>(seed >> 32)};
  std::uint64_t v = i;
  do {  // cycle walking: a value outside [0, n) goes through the network again
    std::uint64_t left = v >> half_bits, right = v & mask;
    for (std::uint32_t round = 0; round < 4; ++round) {
      const auto f = philox4x32_10(
          {static_cast<std::uint32_t>(right), round, static_cast<std::uint32_t>(epoch),
           static_cast<std::uint32_t>(epoch >> 32)},
          key)[0];
      const std::uint64_t next = left ^ (f & mask);
      left = right;
      right = next;
    }
    v = (left << half_bits) | right;
  } while (v >= n);
  return v;
}

std::vector<std::int64_t> labelled_subset(const MultiLabels& labels, const SubsetOptions& o) {
  if (!(o.fraction > 0.0 && o.fraction <= 1.0))
    fail(ExitCode::config, "the labelled fraction must be in (0, 1], not {}", o.fraction);
  const std::int64_t n = labels.num_images();
  const auto take = [&](std::int64_t count) {
    return std::max<std::int64_t>(1, std::llround(o.fraction * static_cast<double>(count)));
  };
  std::vector<std::int64_t> quota(o.balanced ? static_cast<std::size_t>(labels.num_classes) : 1);
  if (o.balanced) {
    // Counted by first label, as the selection below assigns images.
    std::vector<std::int64_t> count(quota.size(), 0);
    for (std::int64_t i = 0; i < n; ++i)
      if (!labels.of(i).empty()) ++count[static_cast<std::size_t>(labels.of(i)[0])];
    for (std::size_t c = 0; c < quota.size(); ++c) quota[c] = count[c] > 0 ? take(count[c]) : 0;
  } else {
    quota[0] = take(n);
  }
  std::vector<std::int64_t> subset;
  for (std::int64_t k = 0; k < n; ++k) {
    const auto image = static_cast<std::int64_t>(keyed_permutation(
        static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(n), o.seed, ~std::uint64_t{0}));
    const auto classes = labels.of(image);
    if (o.balanced && classes.empty()) continue;
    auto& left = quota[o.balanced ? static_cast<std::size_t>(classes[0]) : 0];
    if (left == 0) continue;
    --left;
    subset.push_back(image);
  }
  std::sort(subset.begin(), subset.end());
  return subset;
}

std::vector<std::int64_t> listed_subset(const std::string& list, const std::string& manifest,
                                        const std::vector<std::int64_t>& ids) {
  const auto base_name = [](const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  };
  const auto read_lines = [](const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(ExitCode::io, "{}: cannot open the {}", path, what);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
    if (in.bad()) fail(ExitCode::io, "{}: read error", path);
    return lines;
  };
  // Base name of each manifest line's image path (the text before the first tab) -> its line;
  // -1 where two lines share it.
  std::unordered_map<std::string, std::int64_t> line_of;
  const auto entries = read_lines(manifest, "manifest");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto [it, fresh] = line_of.emplace(base_name(entries[i].substr(0, entries[i].find('\t'))),
                                             static_cast<std::int64_t>(i + 1));
    if (!fresh) it->second = -1;
  }
  std::unordered_map<std::int64_t, std::int64_t> image_of_line;
  for (std::size_t i = 0; i < ids.size(); ++i)
    image_of_line.emplace(ids[i], static_cast<std::int64_t>(i));
  std::unordered_map<std::int64_t, std::size_t> listed_at;  // image -> line of the list
  const auto names = read_lines(list, "image list");
  for (std::size_t k = 0; k < names.size(); ++k) {
    const std::string name = base_name(names[k]);
    if (name.empty()) continue;
    const auto found = line_of.find(name);
    if (found == line_of.end())
      fail(ExitCode::input, "{}:{}: image '{}' is not in the manifest {}", list, k + 1, name,
           manifest);
    if (found->second < 0)
      fail(ExitCode::input, "{}:{}: image '{}' is in the manifest {} more than once", list, k + 1,
           name, manifest);
    const auto image = image_of_line.find(found->second);
    if (image == image_of_line.end())
      fail(ExitCode::input, "{}:{}: image '{}' (manifest line {}) is not in the shards", list,
           k + 1, name, found->second);
    const auto [first, fresh] = listed_at.emplace(image->second, k + 1);
    if (!fresh)
      fail(ExitCode::input, "{}:{}: image '{}' is listed again (line {})", list, k + 1, name,
           first->second);
  }
  if (listed_at.empty()) fail(ExitCode::input, "{}: lists no images", list);
  std::vector<std::int64_t> subset;
  subset.reserve(listed_at.size());
  for (const auto& [image, line] : listed_at) subset.push_back(image);
  std::sort(subset.begin(), subset.end());
  return subset;
}

ImageStream shuffled_epochs(std::vector<std::int64_t> subset, std::uint64_t seed) {
  SWAG_CHECK(!subset.empty(), "shuffled_epochs: empty subset");
  auto images = std::make_shared<const std::vector<std::int64_t>>(std::move(subset));
  return [images, seed](std::uint64_t g) {
    const std::uint64_t m = images->size();
    return (*images)[keyed_permutation(g % m, m, seed, g / m)];
  };
}

ImageStream in_order(std::int64_t n) {
  return [n](std::uint64_t g) {
    return g < static_cast<std::uint64_t>(n) ? static_cast<std::int64_t>(g) : std::int64_t{-1};
  };
}

}  // namespace swag::data
