// Element types and devices of tensors (16-bit floats: core/float16.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "swag/core/float16.hpp"

namespace swag {

enum class DType : std::uint8_t { f32, bf16, f16, u8, i32, i64 };
enum class Device : std::uint8_t { cpu, cuda };

std::size_t dtype_size(DType t);
std::string_view dtype_name(DType t);
std::string_view device_name(Device d);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<bf16>() {
  return DType::bf16;
}
template <>
constexpr DType dtype_of<f16>() {
  return DType::f16;
}
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<std::int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::i64;
}

}  // namespace swag
