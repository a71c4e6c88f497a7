// bfloat16 and IEEE binary16 as storage types, with the conversions both backends use: every
// 16-bit value in the program is rounded by these functions (round to nearest even; NaN stays
// NaN; f16 overflows to infinity and keeps subnormals), so a CPU and a GPU kernel that compute
// the same float store the same bits. Arithmetic always happens in float.
#pragma once
#include <cstdint>
#include <cstring>

#include "swag/core/host_device.hpp"

namespace swag {

struct bf16 {
  std::uint16_t bits;
};
struct f16 {
  std::uint16_t bits;
};

namespace float16_detail {
SWAG_HOST_DEVICE inline std::uint32_t bits_of(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
SWAG_HOST_DEVICE inline float float_of(std::uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
}  // namespace float16_detail

SWAG_HOST_DEVICE inline bf16 to_bf16(float x) {
  std::uint32_t u = float16_detail::bits_of(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bf16{static_cast<std::uint16_t>((u >> 16) | 0x40u)};
  u += 0x7fffu + ((u >> 16) & 1u);
  return bf16{static_cast<std::uint16_t>(u >> 16)};
}
SWAG_HOST_DEVICE inline float to_float(bf16 x) {
  return float16_detail::float_of(std::uint32_t{x.bits} << 16);
}

SWAG_HOST_DEVICE inline f16 to_f16(float x) {
  using float16_detail::bits_of;
  const std::uint32_t u = bits_of(x);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return f16{static_cast<std::uint16_t>(sign | 0x7e00u)};   // NaN
  if (abs >= 0x477ff000u) return f16{static_cast<std::uint16_t>(sign | 0x7c00u)};  // overflow
  if (abs < 0x38800000u) {
    // Subnormal or zero in half, value m * 2^-24: adding 0.5 (whose ulp is 2^-24) rounds
    // |x| to that grid, to nearest even, and leaves m in the low mantissa bits.
    const float shifted = float16_detail::float_of(abs) + 0.5f;
    return f16{static_cast<std::uint16_t>(sign | (bits_of(shifted) - bits_of(0.5f)))};
  }
  std::uint32_t r = abs - 0x38000000u;  // rebias exponent 127 -> 15
  r += 0xfffu + ((r >> 13) & 1u);
  return f16{static_cast<std::uint16_t>(sign | (r >> 13))};
}
SWAG_HOST_DEVICE inline float to_float(f16 x) {
  const std::uint32_t sign = std::uint32_t{x.bits & 0x8000u} << 16;
  const std::uint32_t exp = (x.bits >> 10) & 0x1fu;
  const std::uint32_t man = x.bits & 0x3ffu;
  if (exp == 0) {
    const float v = static_cast<float>(man) * 0x1p-24f;  // exact
    return sign ? -v : v;
  }
  if (exp == 31) return float16_detail::float_of(sign | 0x7f800000u | (man << 13));
  return float16_detail::float_of(sign | ((exp + 112u) << 23) | (man << 13));
}

// Storage access for kernels templated on the element type T (float, bf16 or f16).
SWAG_HOST_DEVICE inline float load(float x) {
  return x;
}
SWAG_HOST_DEVICE inline float load(bf16 x) {
  return to_float(x);
}
SWAG_HOST_DEVICE inline float load(f16 x) {
  return to_float(x);
}
template <class T>
SWAG_HOST_DEVICE inline T store_as(float x);
template <>
SWAG_HOST_DEVICE inline float store_as<float>(float x) {
  return x;
}
template <>
SWAG_HOST_DEVICE inline bf16 store_as<bf16>(float x) {
  return to_bf16(x);
}
template <>
SWAG_HOST_DEVICE inline f16 store_as<f16>(float x) {
  return to_f16(x);
}

}  // namespace swag
