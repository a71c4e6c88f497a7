// swag pretrain: SPMD pre-training from an input deck (doc/cli.md, doc/checkpoints.md).
#include "swag/train/pretrain.hpp"

#include "swag/apps/commands.hpp"

namespace swag::apps {

Command add_pretrain(CLI::App& app) {
  struct Options {
    std::string config;
    std::vector<std::string> overrides;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config, "input deck (TOML), e.g. inputs/pretrain/demo.toml")
      ->required();
  app.add_option("overrides", o->overrides, "section.key=value ...");
  return [o] {
    const Config c = Config::load(train::pretrain_schema(), o->config, o->overrides);
    train::pretrain(c, dist::Communicator::world());
  };
}

}  // namespace swag::apps
