// index.json's reader on arbitrary text: a DatasetIndex or a swag::Error, and what it reads
// writes back as JSON that reads the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "swag/core/error.hpp"
#include "swag/data/dataset_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  swag::data::DatasetIndex index;
  try {
    index = swag::data::index_from_json(text, "fuzz/index.json");
  } catch (const swag::Error&) {
    return 0;
  }
  const std::string again = swag::data::index_to_json(index);
  if (swag::data::index_to_json(swag::data::index_from_json(again, "again")) != again)
    __builtin_trap();
  return 0;
}
