#include "swag/core/build_info.hpp"

#include "swag/version.hpp"  // generated from cmake/version.hpp.in

namespace swag::build {

std::string_view version() {
  return SWAG_VERSION;
}

std::string compiler() {
#if defined(__clang__)
  const std::string v = __clang_version__;  // "14.0.6 " or "17.0.0 (https://...)"
  return "Clang " + v.substr(0, v.find(' '));
#elif defined(__GNUC__)
  return "GNU " __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace swag::build
