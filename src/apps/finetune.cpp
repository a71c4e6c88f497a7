// swag finetune: transfer a pre-trained model to a labelled dataset (doc/finetune.md).
#include "swag/train/finetune.hpp"

#include "swag/apps/commands.hpp"

namespace swag::apps {

Command add_finetune(CLI::App& app) {
  struct Options {
    std::string config, init;
    std::vector<std::string> overrides;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config, "input deck (TOML), e.g. inputs/finetune/demo.toml")
      ->required();
  app.add_option("--init", o->init,
                 "pre-trained weights or checkpoint (init.checkpoint); 'none' trains from scratch");
  app.add_option("overrides", o->overrides, "section.key=value ...");
  return [o] {
    std::vector<std::string> overrides = o->overrides;
    if (!o->init.empty())
      overrides.push_back("init.checkpoint=" + (o->init == "none" ? std::string() : o->init));
    const Config c = Config::load(train::finetune_schema(), o->config, overrides);
    train::finetune(c, dist::Communicator::world());
  };
}

}  // namespace swag::apps
