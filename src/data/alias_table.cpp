#include "swag/data/alias_table.hpp"

#include <numeric>

#include "swag/core/error.hpp"

namespace swag::data {

AliasTable::AliasTable(std::span<const double> weights) {
  const auto n = static_cast<std::int64_t>(weights.size());
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  SWAG_CHECK(n > 0 && total > 0, "alias table of {} weights summing to {}", n, total);
  keep_.resize(n);
  alias_.resize(n);
  // Scaled so the mean is 1; columns below 1 are topped up from columns above 1.
  std::vector<double> scaled(n);
  std::vector<std::int64_t> small, large;
  for (std::int64_t k = 0; k < n; ++k) {
    SWAG_CHECK(weights[k] >= 0, "negative weight {} at {}", weights[k], k);
    scaled[k] = weights[k] * static_cast<double>(n) / total;
    (scaled[k] < 1.0 ? small : large).push_back(k);
  }
  while (!small.empty() && !large.empty()) {
    const std::int64_t s = small.back(), l = large.back();
    small.pop_back();
    keep_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left is 1 up to rounding.
  for (const auto& rest : {large, small})
    for (const auto k : rest) {
      keep_[k] = 1.0;
      alias_[k] = k;
    }
}

}  // namespace swag::data
