// swag check-config: validates a pre-training deck and its overrides, prints the resolved deck.
#include <fmt/format.h>

#include "swag/apps/commands.hpp"
#include "swag/train/pretrain_config.hpp"

namespace swag::apps {

Command add_check_config(CLI::App& app) {
  struct Options {
    std::string config;
    std::vector<std::string> overrides;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config, "input deck (TOML)")->required();
  app.add_option("overrides", o->overrides, "section.key=value ...");
  return [o] {
    const Config c = Config::load(train::pretrain_schema(), o->config, o->overrides);
    fmt::print("{}", c.to_toml());
  };
}

}  // namespace swag::apps
