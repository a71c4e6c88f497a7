#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "swag/core/config.hpp"
#include "swag/core/error.hpp"

using namespace swag;

namespace {

const ConfigSchema schema = {
    {"run.dir", std::string("runs/x"), "run directory"},
    {"schedule.steps", std::int64_t{100}, "steps"},
    {"optim.lr", 0.1, "learning rate"},
    {"optim.nesterov", true, "nesterov"},
};

std::string write_deck(const std::string& text) {
  std::string path = testing::TempDir() + "/deck.toml";
  std::ofstream(path) << text;
  return path;
}

ExitCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::ok;
}

}  // namespace

TEST(Config, DefaultsFileAndOverrides) {
  const auto path = write_deck("[schedule]\nsteps = 7\n[optim]\nlr = 1\n");
  Config c = Config::load(schema, path, {"optim.nesterov=false", "run.dir=runs/y"});
  EXPECT_EQ(c.get_int("schedule.steps"), 7);
  EXPECT_DOUBLE_EQ(c.get_float("optim.lr"), 1.0);
  EXPECT_FALSE(c.get_bool("optim.nesterov"));
  EXPECT_EQ(c.get_string("run.dir"), "runs/y");
}

TEST(Config, UnknownKeyIsNamed) {
  const auto path = write_deck("[schedule]\nstepz = 7\n");
  try {
    Config::load(schema, path, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::config);
    EXPECT_NE(std::string(e.what()).find("'schedule.stepz'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("deck.toml:2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_of([] { Config::load(schema, "", {"optim.momentum=0.9"}); }), ExitCode::config);
}

TEST(Config, TypeErrorsAndBadSyntax) {
  EXPECT_EQ(code_of([] { Config::load(schema, "", {"schedule.steps=abc"}); }), ExitCode::config);
  EXPECT_EQ(code_of([] { Config::load(schema, "", {"schedule.steps=1.5"}); }), ExitCode::config);
  EXPECT_EQ(code_of([] { Config::load(schema, "", {"novalue"}); }), ExitCode::config);
  const auto path = write_deck("[schedule\nsteps = 7\n");
  EXPECT_EQ(code_of([&] { Config::load(schema, path, {}); }), ExitCode::config);
}

TEST(Config, ResolvedDeckRoundTrips) {
  Config c = Config::load(schema, "", {"optim.lr=0.25"});
  const auto path = write_deck(c.to_toml());
  Config d = Config::load(schema, path, {});
  EXPECT_EQ(c.to_toml(), d.to_toml());
  EXPECT_EQ(c.hash(), d.hash());
  EXPECT_NE(c.hash(), Config::load(schema, "", {}).hash());
}

// An integer where a float belongs, too large for a double to hold exactly, is rounded, in an
// override as in a deck (found by fuzz_deck, corpus deck/large_integer: it threw
// std::bad_optional_access).
TEST(Config, LargeIntegerForAFloatIsRounded) {
  const double expected = 1888088800003282921.0;
  EXPECT_EQ(Config::load(schema, "", {"optim.lr=1888088800003282921"}).get_float("optim.lr"),
            expected);
  const auto path = write_deck("[optim]\nlr = -1888088800003282921\n");
  EXPECT_EQ(Config::load(schema, path, {}).get_float("optim.lr"), -expected);
}

// A bare-word override that is not UTF-8 text (found by fuzz_deck, corpus deck/not_utf8) would
// be written to the run's config.toml as another value than the run used: it is refused, and
// one with NUL or other control characters survives the round trip.
TEST(Config, BareWordOverridesRoundTripOrAreRefused) {
  EXPECT_EQ(code_of([] {
              Config::load(schema, "",
                           {std::string("run.dir=a\xff\xfe"
                                        "b")});
            }),
            ExitCode::config);
  Config c = Config::load(schema, "", {std::string("run.dir=a\0b\tc", 13)});
  EXPECT_EQ(c.get_string("run.dir"), std::string("a\0b\tc", 5));
  const auto path = write_deck(c.to_toml());
  EXPECT_EQ(Config::load(schema, path, {}).to_toml(), c.to_toml());
}

namespace {

std::string error_of(const ConfigSchema& s, const std::string& path,
                     const std::vector<std::string>& overrides) {
  try {
    Config::load(s, path, overrides);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::config) << e.what();
    return e.what();
  }
  return {};
}

}  // namespace

TEST(Config, RulesRejectOutOfRangeNonFiniteAndEmpty) {
  const ConfigSchema ruled = {
      {"schedule.steps", std::int64_t{100}, "steps", rule::at_least(1)},
      {"optim.lr", 0.1, "learning rate", rule::above(0)},
      {"optim.beta2", 0.95, "beta2", rule::from_below(0, 1)},
      {"data.fraction", 1.0, "share", rule::share()},
      {"optim.name", std::string("sgd"), "optimizer", rule::one_of({"sgd", "adamw"})},
      {"run.dir", std::string("runs/x"), "run directory"},
      {"init.checkpoint", std::string(""), "weights", rule::may_be_empty()},
  };
  EXPECT_EQ(error_of(ruled, "", {}), "");  // the defaults
  // each bound, on both sides of it
  EXPECT_EQ(error_of(ruled, "",
                     {"schedule.steps=1", "optim.lr=1e-30", "optim.beta2=0", "data.fraction=1",
                      "optim.name=adamw", "init.checkpoint="}),
            "");
  EXPECT_NE(
      error_of(ruled, "", {"schedule.steps=0"}).find("key 'schedule.steps' must be >= 1, not 0"),
      std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"optim.lr=0"}).find("must be > 0, not 0.0"), std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"optim.lr=-6.4"}).find("not -6.4"), std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"optim.lr=nan"}).find("must be finite, not nan"),
            std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"optim.lr=inf"}).find("must be finite, not inf"),
            std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"optim.beta2=1"}).find("must be in [0, 1), not 1.0"),
            std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"data.fraction=0"}).find("must be in (0, 1], not 0.0"),
            std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"optim.name=sgdd"}).find("must be one of sgd, adamw, not 'sgdd'"),
            std::string::npos);
  EXPECT_NE(error_of(ruled, "", {"run.dir="}).find("key 'run.dir' must not be empty"),
            std::string::npos);
  // the same check, with the file and line, for a value in a deck
  const auto path = write_deck("[schedule]\nsteps = -1\n");
  const std::string why = error_of(ruled, path, {});
  EXPECT_NE(why.find("deck.toml:2: key 'schedule.steps' must be >= 1, not -1"), std::string::npos)
      << why;
}
