// The training decks' schemas: every default obeys its key's rule, the rules the hardening relies
// on are there (a typo'd rule would silently accept what issue 20 found), the typed decks hold
// the resolved values, and --describe shows every key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "swag/core/config.hpp"
#include "swag/core/error.hpp"
#include "swag/train/finetune.hpp"
#include "swag/train/pretrain.hpp"

using namespace swag;

namespace {

const ConfigKey& key_of(const ConfigSchema& schema, const std::string& name) {
  for (const auto& k : schema)
    if (k.name == name) return k;
  throw std::runtime_error("no key " + name);
}

}  // namespace

TEST(DeckSchemas, DefaultsObeyTheirRules) {
  for (const ConfigSchema* schema : {&train::pretrain_schema(), &train::finetune_schema()})
    for (const auto& k : *schema) EXPECT_EQ(rule_violation(k.rule, k.default_value), "") << k.name;
}

TEST(DeckSchemas, RejectWhatTheFaultCampaignFound) {
  const std::vector<std::pair<std::string, ConfigValue>> bad = {
      {"schedule.steps", std::int64_t{-1}},
      {"data.workers", std::int64_t{0}},
      {"optim.lr", std::nan("")},
      {"optim.lr", -6.4},
      {"checkpoint.keep_last", std::int64_t{0}},
      {"optim.reference_batch", std::int64_t{-1}},
      {"schedule.warmup_fraction", HUGE_VAL},
      {"run.dir", std::string("")},
      {"data.max_bad_fraction", 1.0},
      {"data.max_bad_fraction", -0.01},
  };
  for (const ConfigSchema* schema : {&train::pretrain_schema(), &train::finetune_schema()})
    for (const auto& [name, value] : bad)
      EXPECT_NE(rule_violation(key_of(*schema, name).rule, value), "") << name;
}

TEST(DeckSchemas, TypedDecksHoldTheResolvedValues) {
  const Config p = Config::load(train::pretrain_schema(), "",
                                {"data.workers=5", "optim.beta2=0.5", "bn.sync=true",
                                 "run.device=cuda", "optim.name=adamw", "numerics.loss_scale=8"});
  const train::PretrainDeck pd = train::pretrain_deck(p);
  EXPECT_EQ(pd.data.workers, 5);
  EXPECT_EQ(pd.optim.beta2, 0.5);
  EXPECT_TRUE(pd.bn.sync);
  EXPECT_EQ(pd.run.device, "cuda");
  EXPECT_EQ(pd.optim.name, "adamw");
  EXPECT_EQ(pd.numerics.loss_scale, 8.0);
  EXPECT_EQ(pd.model.resolution, 224);  // a default
  EXPECT_EQ(pd.run.dir, "runs/pretrain");

  const Config f = Config::load(train::finetune_schema(), "",
                                {"eval.batch=3", "mixup.alpha=0.25", "init.head=zeroshot",
                                 "run.recompute_activations=true", "data.balanced=true"});
  const train::FinetuneDeck fd = train::finetune_deck(f);
  EXPECT_EQ(fd.eval.batch, 3);
  EXPECT_EQ(fd.mixup.alpha, 0.25);
  EXPECT_EQ(fd.init.head, "zeroshot");
  EXPECT_TRUE(fd.run.recompute_activations);
  EXPECT_TRUE(fd.data.balanced);
  EXPECT_EQ(fd.ema.weight, 1e-4);  // a default
  EXPECT_EQ(fd.run.math, "fp32");
}

TEST(DeckSchemas, LossScaleMustBeAPowerOfTwo) {
  for (const char* bad : {"numerics.loss_scale=1000", "numerics.loss_scale=0.5"}) {
    const Config c = Config::load(train::pretrain_schema(), "", {bad});
    try {
      train::pretrain_deck(c);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::config);
      EXPECT_NE(std::string(e.what()).find("must be a power of two"), std::string::npos);
    }
  }
}

TEST(DeckSchemas, DescribeListsEveryKeyWithItsTypeDefaultRangeAndHelp) {
  for (const ConfigSchema* schema : {&train::pretrain_schema(), &train::finetune_schema()}) {
    const std::string table = describe_schema(*schema);
    for (const auto& k : *schema) {
      EXPECT_NE(table.find("| `" + k.name + "` |"), std::string::npos) << k.name;
      EXPECT_NE(table.find(k.help), std::string::npos) << k.name;
    }
    // a header, its rule and a row per key
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'),
              static_cast<std::ptrdiff_t>(schema->size() + 2));
  }
  const std::string t = describe_schema(train::pretrain_schema());
  EXPECT_NE(t.find("| `data.alpha` | float | `0.7` | in [0, 1], finite |"), std::string::npos);
  EXPECT_NE(t.find("| `optim.lr` | float | `0.1` | > 0, finite |"), std::string::npos);
  EXPECT_NE(t.find("| `data.source` | string | `'shards'` | one of shards, synthetic |"),
            std::string::npos);
  EXPECT_NE(t.find("| `numerics.inject_nan_at_step` | integer | `-1` | >= -1 |"),
            std::string::npos);
  EXPECT_NE(t.find("| `bn.sync` | boolean | `false` |  |"), std::string::npos);
}
