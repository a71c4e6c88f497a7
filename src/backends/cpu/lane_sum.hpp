// Vectorizable, deterministic sums along a row.
#pragma once
#include <cstdint>

namespace swag::cpu {

// sum over j < n of f(j): 16 float partial sums over interleaved j (the loop vectorizes), added
// in double at the end. The order depends on n only, so the result does not depend on threads.
// Each partial sums n/16 terms: the float error is that of an n/16-term sum.
template <class F>
inline double lane_sum(std::int64_t n, const F& f) {
  constexpr std::int64_t kLanes = 16;
  float lane[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) lane[l] += f(j + l);
  double s = 0.0;
  for (; j < n; ++j) s += f(j);
  for (const float v : lane) s += v;
  return s;
}

}  // namespace swag::cpu
