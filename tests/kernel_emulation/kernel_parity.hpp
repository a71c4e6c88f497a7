// Helpers of the emulated kernel tests: kernel buffers between guard zones and random inputs in
// a storage type. Outputs are compared with the CPU backend's by the GPU tests' host checks
// (../cuda/host_parity.hpp), whose tolerances apply unchanged: the emulated kernels do the same
// float operations as on the GPU, in the same order.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../cuda/host_parity.hpp"
#include "../ops/storage_test_util.hpp"
#include "swag/core/float16.hpp"
#include "swag/core/float_types.hpp"
#include "swag/core/tensor.hpp"

namespace swag::test {

// n values of T between two guard zones. The values start as NaN (all bytes 0xff), so that an
// output element the kernel leaves unwritten stays NaN (for floating types). The guards hold a
// signaling NaN with a payload of this buffer's own: a kernel that reads outside its range computes
// NaN, and one that writes outside it breaks a guard (intact()), even with a value computed from
// another guard, since arithmetic and conversions return quiet NaNs and a copy keeps the other
// buffer's payload.
template <class T>
class Guarded {
 public:
  explicit Guarded(std::int64_t n)
      : n_(n), guard_(guard_value()), values_(static_cast<std::size_t>(n + 2 * kGuard)) {
    std::memset(values_.data(), 0xff, values_.size() * sizeof(T));
    for (std::int64_t i = 0; i < kGuard; ++i) {
      values_[static_cast<std::size_t>(i)] = guard_;
      values_[static_cast<std::size_t>(kGuard + n_ + i)] = guard_;
    }
  }
  // A copy of a host tensor of dtype T.
  explicit Guarded(const Tensor& t) : Guarded(t.numel()) {
    std::memcpy(get(), t.raw(), t.nbytes());
  }
  T* get() { return values_.data() + kGuard; }
  const T* get() const { return values_.data() + kGuard; }
  bool intact() const {
    for (std::int64_t i = 0; i < kGuard; ++i)
      if (!same_bits(values_[static_cast<std::size_t>(i)]) ||
          !same_bits(values_[static_cast<std::size_t>(kGuard + n_ + i)]))
        return false;
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
  static constexpr std::int64_t kGuard = 1024;

  // A signaling NaN of T (quiet bit clear, payload non-zero) whose payload is new to each buffer.
  static T guard_value() {
    static std::uint64_t buffers = 0;
    const std::uint64_t id = buffers++;
    T v{};
    if constexpr (std::is_same_v<T, float>) {
      const auto bits = static_cast<std::uint32_t>(0x7f800000u | (1 + id % 0x3fffffu));
      std::memcpy(&v, &bits, sizeof v);
    } else if constexpr (std::is_same_v<T, double>) {
      const std::uint64_t bits = 0x7ff0000000000000u | (1 + id % 0x7ffffffffffffu);
      std::memcpy(&v, &bits, sizeof v);
    } else if constexpr (std::is_same_v<T, bf16>) {
      v.bits = static_cast<std::uint16_t>(0x7f80u | (1 + id % 0x3fu));
    } else if constexpr (std::is_same_v<T, f16>) {
      v.bits = static_cast<std::uint16_t>(0x7c00u | (1 + id % 0x1ffu));
    } else {  // integers (u8 pixels): a byte pattern of this buffer's own
      static_assert(std::is_integral_v<T>, "Guarded holds floats, bf16, f16 or integers");
      v = static_cast<T>(0xa5 + id % 0x40);
    }
    return v;
  }
  bool same_bits(const T& v) const { return std::memcmp(&v, &guard_, sizeof v) == 0; }

  std::int64_t n_;
  T guard_;
  std::vector<T> values_;
};

// A host tensor of dtype T, uniform in [-range, range) and rounded to T; `seed` picks the stream.
template <class T>
Tensor random_as(const Shape& shape, std::uint64_t seed, float range = 1.0f) {
  return round_to(affine(random_tensor(shape, seed), range, 0.0f), dtype_of<T>());
}

// A host copy of a host tensor (the CPU side of an in-place op).
inline Tensor copy_of(const Tensor& t) {
  Tensor c = Tensor::empty(t.shape(), t.dtype());
  std::memcpy(c.raw(), t.raw(), t.nbytes());
  return c;
}

// Expects a kernel's output buffer within expect_values_near's bound of the CPU backend's `want`
// (rtol = 0: the same bits), and its guards intact.
template <class T>
void expect_output(const std::string& what, const Guarded<T>& got, const Tensor& want, double rtol,
                   const Tensor* scale = nullptr) {
  expect_values_near<T>(what, got.tensor(want.shape()), want, rtol, scale);
  EXPECT_TRUE(got.intact()) << what << ": written outside its buffer";
}

// " <type> <name>", a case's label in failure messages. Appended piece by piece: GCC 12's
// -Wrestrict misfires on std::string's operator+ here.
template <class T>
std::string type_tag(std::string_view name) {
  std::string tag = " ";
  tag.append(dtype_name(dtype_of<T>())).append(" ").append(name);
  return tag;
}

// The types a test runs each kernel for: every activation launcher is instantiated for the three.
using StorageTypes = ::testing::Types<float, bf16, f16>;

}  // namespace swag::test
