// The manifest reader (`swag shard --manifest`) on arbitrary bytes: its lines or a swag::Error.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "swag/core/error.hpp"
#include "swag/data/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const swag::fuzz::MemoryFile file(data, size);
  try {
    (void)swag::data::read_manifest(file.path());
  } catch (const swag::Error&) {
  }
  return 0;
}
