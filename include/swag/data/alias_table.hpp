// Walker's alias method (Vose's construction): O(1) draws from a fixed discrete distribution.
// Column k is kept with probability keep[k], otherwise its alias is taken.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace swag::data {

class AliasTable {
 public:
  AliasTable() = default;
  // weights >= 0 with a positive sum; they need not be normalized.
  explicit AliasTable(std::span<const double> weights);

  std::int64_t size() const { return static_cast<std::int64_t>(keep_.size()); }
  bool empty() const { return keep_.empty(); }
  // An index with probability weight/sum, from two independent uniforms in [0, 1).
  std::int64_t sample(double u_column, double u_keep) const {
    const auto n = size();
    const auto k = std::min(n - 1, static_cast<std::int64_t>(u_column * static_cast<double>(n)));
    return u_keep < keep_[k] ? k : alias_[k];
  }

 private:
  std::vector<double> keep_;
  std::vector<std::int64_t> alias_;
};

}  // namespace swag::data
