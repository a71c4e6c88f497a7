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
    if (name.rfind("regnety_", 0) != 0) continue;  // ViTs arrive with their own issue
    const auto model = nn::create_model(name, {1, resolution, 1000});
    EXPECT_EQ(model->params().count(), ref["params"].get<std::int64_t>()) << key;
    const double gmacs = static_cast<double>(model->stats().macs) / 1e9;
    const double acts_m = static_cast<double>(model->stats().activations) / 1e6;
    EXPECT_NEAR(gmacs, ref["gmacs"].get<double>(), 0.01 * ref["gmacs"].get<double>()) << key;
    EXPECT_NEAR(acts_m, ref["acts_m"].get<double>(), 0.01 * ref["acts_m"].get<double>()) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 16);  // 8 RegNetY presets at 224 and 384
}

TEST(Presets, TorchvisionAliases) {
  EXPECT_EQ(nn::create_model("regnet_y_1_6gf", {})->name(), "regnety_1.6gf");
  EXPECT_EQ(nn::create_model("regnet_y_128gf", {})->name(), "regnety_128gf");
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
