// swag check-config: validates an input deck and its overrides, prints the resolved deck.
#include <fmt/format.h>

#include "swag/apps/commands.hpp"
#include "swag/train/finetune.hpp"
#include "swag/train/pretrain_config.hpp"

namespace swag::apps {

Command add_check_config(CLI::App& app) {
  struct Options {
    std::string config, kind = "pretrain";
    std::vector<std::string> overrides;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config, "input deck (TOML)")->required();
  app.add_option("--kind", o->kind, "pretrain or finetune (the deck's command)")
      ->check(CLI::IsMember({"pretrain", "finetune"}))
      ->capture_default_str();
  app.add_option("overrides", o->overrides, "section.key=value ...");
  return [o] {
    const auto& schema =
        o->kind == "finetune" ? train::finetune_schema() : train::pretrain_schema();
    const Config c = Config::load(schema, o->config, o->overrides);
    fmt::print("{}", c.to_toml());
  };
}

}  // namespace swag::apps
