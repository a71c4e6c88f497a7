// A model ready to evaluate from a weights file or a checkpoint (both carry the weights header,
// doc/formats.md): the preset and classes come from the file.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "swag/nn/model.hpp"

namespace swag::eval {

// Built for (batch, resolution) on `device` and loaded; a ViT's position embedding is adapted
// when the resolution differs from the file's. resolution 0: the file's own (224 if it records
// none).
std::unique_ptr<nn::Model> load_model(const std::string& path, std::int64_t batch,
                                      std::int64_t resolution, Device device = Device::cpu);

}  // namespace swag::eval
