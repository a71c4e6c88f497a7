// The checkpoint check (resume's and `swag verify-checkpoint`'s CheckpointStore::verify) on
// checkpoint files whose attributes and datasets the fuzzer chooses: kinds, shapes, missing
// and extra members, checksum fields. Written by swag's own HDF5 writer, so the fuzzer explores
// swag's reading, not libhdf5's parser. verify returns why a file is damaged; it must not throw
// or crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/train/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const swag::fuzz::ScratchFile file("checkpoint");
  const std::string& path = file.path;
  {
    swag::Hdf5File f = swag::Hdf5File::create(path);
    const int members = in.ConsumeIntegralInRange(0, 6);
    for (int m = 0; m < members; ++m) {
      static const char* const groups[] = {"/params/", "/buffers/", "/optimizer/", "/extra/",
                                           "/other/"};
      const std::string name =
          groups[in.ConsumeIntegralInRange(0, 4)] + in.ConsumeRandomLengthString(8);
      swag::Shape shape(in.ConsumeIntegralInRange<std::size_t>(0, 3));
      for (auto& d : shape) d = in.ConsumeIntegralInRange<std::int64_t>(0, 16);
      try {
        switch (in.ConsumeIntegralInRange(0, 2)) {
          case 0: f.write(name, swag::Tensor::zeros(shape)); break;
          case 1: f.write(name, swag::Tensor::zeros(shape, swag::DType::i64)); break;
          default: f.write_u8(name, in.ConsumeBytes<std::uint8_t>(16));
        }
      } catch (const swag::Error&) {  // a name HDF5 refuses (empty, "..", a repeat)
      }
    }
    for (const char* attribute : {"checkpoint_state", "sha256", "model"})
      if (in.ConsumeBool()) f.set_attribute("/", attribute, in.ConsumeRandomLengthString(80));
    for (const char* attribute : {"checksum_version", "num_classes", "optimizer_steps"})
      if (in.ConsumeBool()) f.set_attribute("/", attribute, in.ConsumeIntegral<std::int64_t>());
  }
  (void)swag::train::CheckpointStore::verify(path);
  return 0;
}
