// Every preset against the reference sizes computed from torchvision's definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "swag/nn/model.hpp"

using namespace swag;

namespace {

nlohmann::json reference() {
  std::ifstream in(SWAG_TEST_DATA_DIR "/models.json");
  return nlohmann::json::parse(in);
}

}  // namespace

TEST(Presets, MatchReferenceSizes) {
  int checked = 0;
  const nlohmann::json models = reference();
  for (const auto& [key, ref] : models.items()) {
    const std::string name = key.substr(0, key.find('@'));
    const int resolution = std::stoi(key.substr(key.find('@') + 1));
    const auto model = nn::create_model(name, {1, resolution, 1000});
    EXPECT_EQ(model->params().count(), ref["params"].get<std::int64_t>()) << key;
    const double gmacs = static_cast<double>(model->stats().macs) / 1e9;
    const double acts_m = static_cast<double>(model->stats().activations) / 1e6;
    EXPECT_NEAR(gmacs, ref["gmacs"].get<double>(), 0.01 * ref["gmacs"].get<double>()) << key;
    EXPECT_NEAR(acts_m, ref["acts_m"].get<double>(), 0.01 * ref["acts_m"].get<double>()) << key;
    ++checked;
  }
  // 8 RegNetY presets at 224 and 384; 3 ViTs at 224 and their fine-tuning resolution.
  EXPECT_EQ(checked, 22);
}

TEST(Presets, TorchvisionAliases) {
  EXPECT_EQ(nn::create_model("regnet_y_1_6gf", {})->name(), "regnety_1.6gf");
  EXPECT_EQ(nn::create_model("regnet_y_128gf", {})->name(), "regnety_128gf");
  EXPECT_EQ(nn::create_model("vit_b_16", {})->name(), "vit_b16");
  EXPECT_EQ(nn::create_model("vit_l_16", {})->name(), "vit_l16");
  EXPECT_EQ(nn::create_model("vit_h_14", {})->name(), "vit_h14");
  EXPECT_EQ(nn::canonical_model_name("vit_h_14"), "vit_h14");
  EXPECT_EQ(nn::canonical_model_name("regnety_400mf"), "regnety_400mf");
}

TEST(Presets, VitStageAndPreTrainingHead) {
  const auto model = nn::create_model("vit_l16", {1, 224, 1000});
  const auto stages = model->stages();
  ASSERT_EQ(stages.size(), 1u);
  EXPECT_EQ(stages[0].width, 1024);
  EXPECT_EQ(stages[0].depth, 24);
  EXPECT_EQ(stages[0].groups, 16);
  // The pre-training head adds heads.pre_logits: D x D weights and D biases.
  const auto with_head = nn::create_model("vit_l16", {1, 224, 1000, true});
  EXPECT_EQ(with_head->params().count(), model->params().count() + 1024 * 1024 + 1024);
  EXPECT_GE(with_head->params().find("heads.pre_logits.weight"), 0);
  EXPECT_EQ(model->params().find("heads.pre_logits.weight"), -1);
}

TEST(Presets, BadVitSettingsAreUsageErrors) {
  for (const nn::ModelDims& dims : {nn::ModelDims{1, 200, 10},           // 200 % 16 != 0
                                    nn::ModelDims{1, 224, 10, true}}) {  // RegNet pre-logits
    try {
      nn::create_model(dims.pre_logits ? "regnety_400mf" : "vit_b16", dims);
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage) << e.what();
    }
  }
}

TEST(Presets, UnknownNameListsKnownOnes) {
  try {
    nn::create_model("regnety_17gf", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("regnety_16gf"), std::string::npos) << e.what();
  }
}

TEST(Presets, Regnety16gfStages) {
  // RegNetY-16GF: widths 224, 448, 1232, 3024, depths 2, 4, 11, 1, group width 112.
  const auto model = nn::create_model("regnety_16gf", {});
  const auto stages = model->stages();
  ASSERT_EQ(stages.size(), 4u);
  const std::int64_t widths[] = {224, 448, 1232, 3024}, depths[] = {2, 4, 11, 1};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(stages[i].width, widths[i]);
    EXPECT_EQ(stages[i].depth, depths[i]);
    EXPECT_EQ(stages[i].groups, widths[i] / 112);
  }
}
