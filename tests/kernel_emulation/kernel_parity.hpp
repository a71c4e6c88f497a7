// Helpers of the emulated kernel tests: kernel buffers between guard zones, random inputs in a
// storage type, and the comparison of a kernel's output with the CPU backend's, to the
// tolerances of the GPU tests (tests/cuda/parity.hpp and storage_parity.hpp, whose derivations
// apply unchanged: the emulated kernels do the same float operations as on the GPU, in the same
// order).
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../ops/storage_test_util.hpp"
#include "swag/core/float16.hpp"
#include "swag/core/float_types.hpp"
#include "swag/core/rng.hpp"
#include "swag/core/tensor.hpp"

namespace swag::test {

// n values of T between two guard zones, all bytes 0xff at the start: NaN for every float type,
// so that a kernel that reads outside its range computes NaN, one that leaves an output element
// unwritten leaves NaN, and one that writes outside its range breaks a guard (intact()).
template <class T>
class Guarded {
 public:
  explicit Guarded(std::int64_t n) : n_(n), values_(static_cast<std::size_t>(n + 2 * kGuard)) {
    std::memset(values_.data(), 0xff, values_.size() * sizeof(T));
  }
  // A copy of a host tensor of dtype T.
  explicit Guarded(const Tensor& t) : Guarded(t.numel()) {
    std::memcpy(get(), t.raw(), t.nbytes());
  }
  T* get() { return values_.data() + kGuard; }
  const T* get() const { return values_.data() + kGuard; }
  bool intact() const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(values_.data());
    const std::size_t guard = kGuard * sizeof(T), tail = (kGuard + n_) * sizeof(T);
    for (std::size_t i = 0; i < guard; ++i)
      if (bytes[i] != 0xff || bytes[tail + i] != 0xff) return false;
    return true;
  }
  // The values as a host tensor of `shape` (of n elements) and dtype T.
  Tensor tensor(const Shape& shape) const {
    Tensor t = Tensor::empty(shape, dtype_of<T>());
    EXPECT_EQ(t.numel(), n_);
    std::memcpy(t.raw(), get(), t.nbytes());
    return t;
  }

 private:
  static constexpr std::int64_t kGuard = 64;
  std::int64_t n_;
  std::vector<T> values_;
};

// A host tensor of dtype T, uniform in [-range, range) and rounded to T; `seed` picks the stream.
template <class T>
Tensor random_as(const Shape& shape, std::uint64_t seed, float range = 1.0f) {
  Tensor f = Tensor::empty(shape);
  Rng rng(20240601, seed);
  for (std::int64_t i = 0; i < f.numel(); ++i) f.data<float>()[i] = rng.uniform(-range, range);
  return round_to(f, dtype_of<T>());
}

// A host copy of a host tensor (the CPU side of an in-place op).
inline Tensor copy_of(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape(), t.dtype());
  std::memcpy(c.raw(), t.raw(), t.nbytes());
  return c;
}

// The spacing of T's values at |v| (0 for float, whose outputs are not rounded again).
template <class T>
double ulp_of(double v) {
  if constexpr (std::is_same_v<T, float>) {
    return 0.0 * v;
  } else {
    constexpr bool is_bf16 = std::is_same_v<T, bf16>;
    int e = 0;
    std::frexp(v, &e);  // |v| = m 2^e, m in [0.5, 1); 0 gives e = 0
    const int min_exponent = is_bf16 ? -126 : -14;
    const int exponent = e - 1 < min_exponent ? min_exponent : e - 1;
    return std::ldexp(1.0, exponent - (is_bf16 ? 7 : 10));
  }
}

// The fp32 tolerance of the hand-written kernels (tests/cuda/parity.hpp): 1e-5.
constexpr double kFp32Tolerance = 1e-5;

// Expects the kernel's output `got` (host, dtype T) within rtol * max(|want|, floor) of the CPU
// backend's `want`, plus one ulp of T for 16-bit types (both sides round their float once);
// floor is 1, or per element `scale` (f32). rtol = 0 demands the same bits.
template <class T>
void expect_near_as(const std::string& what, const Tensor& got, const Tensor& want, double rtol,
                    const Tensor* scale = nullptr) {
  ASSERT_EQ(got.dtype(), dtype_of<T>()) << what;
  ASSERT_EQ(want.dtype(), dtype_of<T>()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  if (rtol == 0.0) {
    expect_same_bits(got, want, what);
    return;
  }
  const Tensor g = widen(got), c = widen(want);
  std::int64_t bad = 0, worst = -1;
  double worst_excess = 0.0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const double a = g.data<float>()[i], b = c.data<float>()[i];
    const double floor = scale ? double{scale->data<float>()[i]} : 1.0;
    const double allowed =
        rtol * std::fmax(std::fabs(b), floor) + ulp_of<T>(std::fmax(std::fabs(a), std::fabs(b)));
    const double diff = std::fabs(a - b);
    if (diff <= allowed) continue;  // NaN fails
    ++bad;
    const double excess = std::isnan(diff) ? HUGE_VAL : diff - allowed;
    if (worst < 0 || excess > worst_excess) worst_excess = excess, worst = i;
  }
  if (bad == 0) return;
  ADD_FAILURE() << what << ": " << bad << " of " << g.numel() << " elements differ by more than "
                << rtol << " relative (plus one ulp of a 16-bit type); worst at " << worst
                << ": kernel " << g.data<float>()[worst] << ", cpu " << c.data<float>()[worst];
}

// The types a test runs each kernel for: every activation launcher is instantiated for the three.
using StorageTypes = ::testing::Types<float, bf16, f16>;

}  // namespace swag::test
