#include "swag/core/dtype.hpp"

#include <cmath>
#include <cstring>

#include "swag/core/error.hpp"

namespace swag {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::u8: return 1;
    case DType::bf16:
    case DType::f16: return 2;
    case DType::f32:
    case DType::i32: return 4;
    case DType::i64: return 8;
  }
  SWAG_CHECK(false, "bad dtype {}", static_cast<int>(t));
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::bf16: return "bf16";
    case DType::f16: return "f16";
    case DType::u8: return "u8";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
  }
  return "?";
}

std::string_view device_name(Device d) {
  return d == Device::cpu ? "cpu" : "cuda";
}

// IEEE binary16 with round to nearest even, subnormals, infinities and NaN.
f16 to_f16(float x) {
  const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return f16{static_cast<std::uint16_t>(sign | 0x7e00u)};   // NaN
  if (abs >= 0x477ff000u) return f16{static_cast<std::uint16_t>(sign | 0x7c00u)};  // overflow
  if (abs < 0x38800000u) {  // subnormal or zero in half: value = m * 2^-24
    const float a = std::bit_cast<float>(abs);
    const auto m = static_cast<std::uint32_t>(std::nearbyint(a * 16777216.0f));
    return f16{static_cast<std::uint16_t>(sign | m)};
  }
  std::uint32_t r = abs - 0x38000000u;  // rebias exponent 127 -> 15
  r += 0xfffu + ((r >> 13) & 1u);
  return f16{static_cast<std::uint16_t>(sign | (r >> 13))};
}

float to_float(f16 x) {
  const std::uint32_t sign = std::uint32_t{x.bits & 0x8000u} << 16;
  const std::uint32_t exp = (x.bits >> 10) & 0x1fu;
  const std::uint32_t man = x.bits & 0x3ffu;
  if (exp == 0) {
    const float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (man << 13));
}

}  // namespace swag
