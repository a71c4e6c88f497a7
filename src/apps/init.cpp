// swag init: a freshly initialized weights file (torchvision's initialization rules).
#include "swag/apps/commands.hpp"
#include "swag/core/log.hpp"
#include "swag/nn/weights.hpp"

namespace swag::apps {

Command add_init(CLI::App& app) {
  struct Options {
    std::string model, output;
    std::int64_t num_classes = 1000, resolution = 224;
    std::uint64_t seed = 0;
    bool pre_logits = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model name")->required();
  app.add_option("--output", o->output, "weights file to write")->required();
  app.add_option("--num-classes", o->num_classes, "classifier width")->capture_default_str();
  app.add_option("--seed", o->seed, "initialization seed")->capture_default_str();
  app.add_option("--resolution", o->resolution, "ViT: the position embedding's resolution")
      ->capture_default_str();
  app.add_flag("--pre-logits", o->pre_logits, "ViT: with the pre-training head (heads.pre_logits)");
  return [o] {
    auto model = nn::create_model(o->model, {1, o->resolution, o->num_classes, o->pre_logits});
    model->allocate(o->seed);
    nn::save_weights(o->output, *model);
    log::info("init: wrote {} ({} parameters) to {}", model->name(), model->params().count(),
              o->output);
  };
}

}  // namespace swag::apps
