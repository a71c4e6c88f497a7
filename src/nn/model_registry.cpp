// The model presets: the paper's RegNetY and ViT families (torchvision's definitions) and a
// tiny model of each kind for tests and demos.
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "swag/nn/model.hpp"
#include "swag/nn/regnet.hpp"
#include "swag/nn/vision_transformer.hpp"

namespace swag::nn {
namespace {

struct Preset {
  const char* name;
  const char* alias;  // torchvision's name
  RegNetDesign design;
};

// depth, w0, wa, wm, group width (bottleneck 1.0, SE ratio 0.25): torchvision's regnet_y_*, and
// pycls's RegNetY-200MF, which torchvision lacks (the gradient-accuracy grid's smallest model).
const Preset presets[] = {
    {"regnety_200mf", "regnet_y_200mf", {13, 24, 36.44, 2.49, 8}},
    {"regnety_400mf", "regnet_y_400mf", {16, 48, 27.89, 2.09, 8}},
    {"regnety_800mf", "regnet_y_800mf", {14, 56, 38.84, 2.4, 16}},
    {"regnety_1.6gf", "regnet_y_1_6gf", {27, 48, 20.71, 2.65, 24}},
    {"regnety_3.2gf", "regnet_y_3_2gf", {21, 80, 42.63, 2.66, 24}},
    {"regnety_8gf", "regnet_y_8gf", {17, 192, 76.82, 2.19, 56}},
    {"regnety_16gf", "regnet_y_16gf", {18, 200, 106.23, 2.48, 112}},
    {"regnety_32gf", "regnet_y_32gf", {20, 232, 115.89, 2.53, 232}},
    {"regnety_128gf", "regnet_y_128gf", {27, 456, 160.83, 2.52, 264}},
    // Three stages (8, 16, 32 wide), 4 blocks: a few thousand parameters, for tests and demos.
    {"regnety_test", "regnety_test", {4, 8, 8.0, 2.0, 8}},
    // Widths 32, 64, 128 (depths 1, 1, 3), 1.6 MMACs at 28x28: the demo's (doc/demo.md).
    {"regnety_demo", "regnety_demo", {5, 32, 32.0, 2.0, 8}},
};

struct VitPreset {
  const char* name;
  const char* alias;  // torchvision's name
  VitDesign design;
};

// patch, layers, heads, width D, MLP width: torchvision's vit_b_16, vit_l_16, vit_h_14.
const VitPreset vit_presets[] = {
    {"vit_b16", "vit_b_16", {16, 12, 12, 768, 3072}},
    {"vit_l16", "vit_l_16", {16, 24, 16, 1024, 4096}},
    {"vit_h14", "vit_h_14", {14, 32, 16, 1280, 5120}},
    // 8x8 patches, 2 blocks of width 32 with 4 heads: about 30k parameters, for tests.
    {"vit_test", "vit_test", {8, 2, 4, 32, 64}},
};

}  // namespace

std::unique_ptr<Model> create_model(const std::string& name, const ModelDims& dims) {
  if (dims.batch < 1 || dims.resolution < 8 || dims.num_classes < 1)
    fail(ExitCode::usage, "model '{}': batch {} (>= 1), resolution {} (>= 8) or classes {} (>= 1)",
         name, dims.batch, dims.resolution, dims.num_classes);
  for (const VitPreset& p : vit_presets)
    if (name == p.name || name == p.alias)
      return std::make_unique<VisionTransformer>(p.name, p.design, dims);
  for (const Preset& p : presets)
    if (name == p.name || name == p.alias) {
      if (dims.pre_logits)
        fail(ExitCode::usage, "model '{}': the pre-training head (pre-logits) is a ViT layer",
             name);
      return std::make_unique<RegNet>(p.name, p.design, dims);
    }
  fail(ExitCode::usage, "unknown model '{}'; known models: {}", name,
       fmt::join(model_names(), ", "));
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const Preset& p : presets) names.emplace_back(p.name);
  for (const VitPreset& p : vit_presets) names.emplace_back(p.name);
  return names;
}

std::string canonical_model_name(const std::string& name) {
  for (const Preset& p : presets)
    if (name == p.name || name == p.alias) return p.name;
  for (const VitPreset& p : vit_presets)
    if (name == p.name || name == p.alias) return p.name;
  fail(ExitCode::usage, "unknown model '{}'; known models: {}", name,
       fmt::join(model_names(), ", "));
}

}  // namespace swag::nn
