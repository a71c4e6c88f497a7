// swag check-config: validates an input deck and its overrides, prints the resolved deck; or,
// with --describe, every key of a kind of deck.
#include <fmt/format.h>

#include "swag/apps/commands.hpp"
#include "swag/core/error.hpp"
#include "swag/train/finetune.hpp"
#include "swag/train/pretrain.hpp"

namespace swag::apps {

Command add_check_config(CLI::App& app) {
  struct Options {
    std::string config, kind = "pretrain", describe;
    std::vector<std::string> overrides;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config, "input deck (TOML); needed unless --describe");
  app.add_option("--kind", o->kind, "pretrain or finetune (the deck's command)")
      ->check(CLI::IsMember({"pretrain", "finetune"}))
      ->capture_default_str();
  app.add_option("--describe", o->describe,
                 "print every key of a pretrain or finetune deck: type, default, range, help "
                 "(a Markdown table, doc/config.md)")
      ->check(CLI::IsMember({"pretrain", "finetune"}));
  app.add_option("overrides", o->overrides, "section.key=value ...");
  return [o] {
    const auto schema = [](const std::string& kind) -> const ConfigSchema& {
      return kind == "finetune" ? train::finetune_schema() : train::pretrain_schema();
    };
    if (!o->describe.empty()) {
      fmt::print("{}", describe_schema(schema(o->describe)));
      return;
    }
    if (o->config.empty()) fail(ExitCode::usage, "check-config: --config is required");
    const Config c = Config::load(schema(o->kind), o->config, o->overrides);
    // The drivers' own checks of the typed deck (numerics.loss_scale a power of two, ...)
    if (o->kind == "finetune")
      train::finetune_deck(c);
    else
      train::pretrain_deck(c);
    fmt::print("{}", c.to_toml());
  };
}

}  // namespace swag::apps
