// The weights file (doc/formats.md): /params/<name> and /buffers/<name> in PyTorch shapes,
// named as torchvision's state_dict, plus the model name and number of classes.
#pragma once
#include <cstdint>
#include <string>

#include "swag/nn/model.hpp"

namespace swag::nn {

struct WeightsHeader {
  std::string model;
  std::int64_t num_classes = 0;
};

WeightsHeader read_weights_header(const std::string& path);
// Loads every parameter and buffer of `model`. A missing, extra or mis-shaped tensor is an
// input error naming the file and the tensor.
void load_weights(const std::string& path, Model& model);
// Writes atomically (temporary file, fsync, rename).
void save_weights(const std::string& path, Model& model);

}  // namespace swag::nn
