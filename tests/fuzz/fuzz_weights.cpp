// The weights loader (swag predict, finetune --init) on weights files whose attributes and
// tensors the fuzzer chooses: the header read, then a model made from it (when small enough to
// allocate) and the tensors loaded into it. The file is HDF5 written by swag's own writer, so
// the fuzzer explores swag's checks (kinds, ranges, shapes, missing and extra tensors), not
// libhdf5's parser. Errors are swag::Error.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "swag/core/error.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/nn/model.hpp"
#include "swag/nn/weights.hpp"

namespace {

using swag::Shape;
using swag::Tensor;

// A tensor for `name`: the expected shape, or one the fuzzer makes up, or none.
void write_tensor(FuzzedDataProvider& in, swag::Hdf5File& f, const std::string& name,
                  const Shape& expected) {
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0: return;  // missing
    case 1: {        // another shape, up to 4 axes of up to 40
      Shape shape(in.ConsumeIntegralInRange<std::size_t>(0, 4));
      for (auto& d : shape) d = in.ConsumeIntegralInRange<std::int64_t>(0, 40);
      f.write(name, Tensor::zeros(shape));
      return;
    }
    case 2: {  // integers where floats belong
      f.write(name, Tensor::zeros(expected, swag::DType::i64));
      return;
    }
    default: {  // the expected shape, one value chosen (NaN and Inf included)
      Tensor t = Tensor::zeros(expected);
      if (t.numel() > 0) t.data<float>()[0] = in.ConsumeFloatingPoint<float>();
      f.write(name, t);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const swag::fuzz::ScratchFile file("weights");
  const std::string& path = file.path;
  const std::string name = in.ConsumeBool() ? "regnety_test" : "vit_test";
  const bool pre_logits = name == "vit_test" && in.ConsumeBool();  // a ViT layer only
  const auto reference = swag::nn::create_model(name, {1, 16, 4, pre_logits});
  reference->allocate(1);
  {
    swag::Hdf5File f = swag::Hdf5File::create(path);
    const auto text = [&](const char* usual) {
      return in.ConsumeBool() ? std::string(usual) : in.ConsumeRandomLengthString(24);
    };
    const auto integer = [&](std::int64_t usual) {
      return in.ConsumeBool() ? usual : in.ConsumeIntegral<std::int64_t>();
    };
    if (in.ConsumeBool()) f.set_attribute("/", "format", text("swag-weights"));
    if (in.ConsumeBool()) f.set_attribute("/", "format_version", integer(1));
    if (in.ConsumeBool()) f.set_attribute("/", "model", text(name.c_str()));
    if (in.ConsumeBool()) f.set_attribute("/", "num_classes", integer(4));
    if (in.ConsumeBool()) f.set_attribute("/", "resolution", integer(16));
    for (const auto* store : {&reference->params(), &reference->buffers()})
      for (const auto& e : store->entries())
        write_tensor(in, f, (store == &reference->params() ? "/params/" : "/buffers/") + e.name,
                     e.shape);
    if (in.ConsumeBool()) {
      try {
        f.write("/params/" + in.ConsumeRandomLengthString(8), Tensor::zeros({1}));
      } catch (const swag::Error&) {  // a name HDF5 refuses (empty, "..", a repeat)
      }
    }
  }
  try {
    const auto header = swag::nn::read_weights_header(path);
    // Models the fuzzer may allocate: the test presets, a few classes, a small resolution.
    if (header.num_classes > 64 || header.resolution < 0 || header.resolution > 64) return 0;
    const std::int64_t resolution = in.ConsumeBool() ? 16 : 32;
    auto model = swag::nn::create_model(header.model,
                                        {1, resolution, header.num_classes, header.pre_logits});
    if (model->name() != "regnety_test" && model->name() != "vit_test") return 0;
    model->allocate(2);
    swag::nn::load_weights(path, *model, in.ConsumeBool());
  } catch (const swag::Error&) {
  }
  return 0;
}
