// Counter-based RNG: Philox4x32-10 (Salmon et al., SC'11). A stream is a 64-bit key (the
// seed); each draw is a pure function of (key, counter), so any element of any sequence can be
// computed independently, on any thread or device, with the same result.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>

namespace swag {

using Philox4x32 = std::array<std::uint32_t, 4>;

// One Philox4x32-10 block: four 32-bit words from a 128-bit counter and a 64-bit key.
constexpr Philox4x32 philox4x32_10(Philox4x32 ctr, std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
    key[0] += w0;
    key[1] += w1;
  }
  return ctr;
}

// A sequential generator over the counter space of one (seed, stream) pair, for host loops
// such as weight initialization. Reproducible: the n-th draw depends only on seed, stream and n.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream = 0) : seed_(seed), stream_(stream) {}

  std::uint32_t next_u32() {
    if (lane_ == 4) {
      block_ = philox4x32_10(
          {static_cast<std::uint32_t>(counter_), static_cast<std::uint32_t>(counter_ >> 32),
           static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32)},
          {static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32)});
      ++counter_;
      lane_ = 0;
    }
    return block_[lane_++];
  }
  // Uniform in [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal by Box-Muller (one of the pair is used, so draws stay position-stable).
  float normal() {
    const double u1 = (static_cast<double>(next_u32()) + 1.0) / 4294967296.0;  // (0, 1]
    const double u2 = static_cast<double>(next_u32()) / 4294967296.0;
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  // Normal truncated to [lo, hi] standard deviations, by rejection.
  float truncated_normal(float lo, float hi) {
    for (;;) {
      const float z = normal();
      if (z >= lo && z <= hi) return z;
    }
  }

  struct State {
    std::uint64_t seed, stream, counter;
    int lane;
  };
  State state() const { return {seed_, stream_, counter_, lane_}; }

 private:
  std::uint64_t seed_, stream_, counter_ = 0;
  Philox4x32 block_{};
  int lane_ = 4;
};

}  // namespace swag
