// The training decks' schemas: every default obeys its key's rule, and the rules the hardening
// relies on are there (a typo'd rule would silently accept what issue 20 found).
#include <gtest/gtest.h>

#include <cmath>

#include "swag/core/config.hpp"
#include "swag/train/finetune.hpp"
#include "swag/train/pretrain_config.hpp"

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
