// The weights file (doc/formats.md): /params/<name> and /buffers/<name> in PyTorch shapes,
// named as torchvision's state_dict, plus the model name and number of classes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "swag/core/hdf5_file.hpp"
#include "swag/nn/model.hpp"

namespace swag::nn {

struct WeightsHeader {
  std::string model;
  std::int64_t num_classes = 0;
  bool pre_logits = false;      // holds a ViT's pre-training head (heads.pre_logits.*)
  std::int64_t resolution = 0;  // the resolution it was made at (0: not recorded)
};

WeightsHeader read_weights_header(const std::string& path);
// Loads every parameter and buffer of `model`. A missing, extra or mis-shaped tensor is an
// input error naming the file and the tensor. With adapt_resolution, a tensor whose shape
// depends on the resolution (a ViT's position embedding) and was stored for another one is
// carried over (Model::adapt_to_resolution); without, that is an input error saying so.
void load_weights(const std::string& path, Model& model, bool adapt_resolution = false);
// Fine-tuning's start: every tensor of `model` except its classifier head (Model::in_head), from
// a file whose head may have any number of classes (and a ViT's pre-training head); a ViT's
// position embedding is adapted to the model's resolution.
void load_trunk(const std::string& path, Model& model);
// A model ready to evaluate from a weights file or a checkpoint (both carry the header): the
// preset and classes come from the file. Built for (batch, resolution) on `device` and loaded; a
// ViT's position embedding is adapted when the resolution differs from the file's. resolution 0:
// the file's own (224 if it records none).
std::unique_ptr<Model> load_model(const std::string& path, std::int64_t batch,
                                  std::int64_t resolution, Device device = Device::cpu);
// The root attributes that make an HDF5 file a weights file (checkpoints write them too).
void write_weights_header(Hdf5File& file, const Model& model);
// Writes atomically (temporary file, fsync, rename).
void save_weights(const std::string& path, Model& model);

}  // namespace swag::nn
