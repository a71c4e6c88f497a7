// Vectorizable, deterministic sums and maxima along a row.
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

// max over j < n of p[j] (n >= 1), by 16 partial maxima over interleaved j: a single running
// maximum is a loop-carried dependency that does not vectorize.
inline float lane_max(const float* p, std::int64_t n) {
  constexpr std::int64_t kLanes = 16;
  float lane[kLanes];
  for (float& v : lane) v = p[0];
  std::int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) lane[l] = p[j + l] > lane[l] ? p[j + l] : lane[l];
  float m = p[0];
  for (; j < n; ++j) m = p[j] > m ? p[j] : m;
  for (const float v : lane) m = v > m ? v : m;
  return m;
}

}  // namespace swag::cpu
