// Whole numbers read from JSON files that swag did not necessarily write. nlohmann's get<int>()
// casts a float such as 7e108 to an integer, which is undefined behaviour; json_integer refuses
// anything but an integer that fits, with nlohmann's type_error so readers report it as bad input.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace swag {

template <class T, class Json>
T json_integer(const Json& v) {
  bool fits = false;
  if (v.is_number_unsigned())
    fits = std::in_range<T>(v.template get<std::uint64_t>());
  else if (v.is_number_integer())
    fits = std::in_range<T>(v.template get<std::int64_t>());
  if (!fits)
    throw nlohmann::json::type_error::create(
        302, v.dump() + " is not a whole number that fits the field", &v);
  return v.template get<T>();
}

template <class T, class Json>
std::vector<T> json_integers(const Json& v) {
  if (!v.is_array())
    throw nlohmann::json::type_error::create(302, v.dump() + " is not a list of numbers", &v);
  std::vector<T> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(json_integer<T>(x));
  return out;
}

}  // namespace swag
