// The JPEG and PNG decoders on arbitrary bytes: what `swag shard` does with an image file
// (prepare_for_storage: sniff, header limits, decode or verify, re-encode) and what the loader
// does with a stored JPEG (header, then the scaled decode of a crop). Errors are swag::Error.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "swag/core/error.hpp"
#include "swag/data/augment.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/scaled_decode.hpp"
#include "swag/data/stored_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  // A small pixel limit keeps the fuzzer's memory bounded; the check itself is what is tested.
  const swag::data::StorageOptions options{64, 90, 1 << 22};
  try {
    (void)swag::data::prepare_for_storage(bytes, options);
  } catch (const swag::Error&) {
  }
  try {
    const auto header = swag::data::read_jpeg_header(bytes);
    if (static_cast<std::int64_t>(header.width) * header.height > (1 << 22)) return 0;
    const auto box = swag::data::center_square_box(header.height, header.width);
    (void)swag::data::decode_jpeg_for_crop(bytes, box, 16, true);
  } catch (const swag::Error&) {
  }
  return 0;
}
