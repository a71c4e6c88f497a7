// swag init: a freshly initialized weights file (torchvision's initialization rules).
#include "swag/apps/commands.hpp"
#include "swag/core/log.hpp"
#include "swag/nn/weights.hpp"

namespace swag::apps {

Command add_init(CLI::App& app) {
  struct Options {
    std::string model, output;
    std::int64_t num_classes = 1000;
    std::uint64_t seed = 0;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model name")->required();
  app.add_option("--output", o->output, "weights file to write")->required();
  app.add_option("--num-classes", o->num_classes, "classifier width")->capture_default_str();
  app.add_option("--seed", o->seed, "initialization seed")->capture_default_str();
  return [o] {
    auto model = nn::create_model(o->model, {1, 32, o->num_classes});
    model->allocate(o->seed);
    nn::save_weights(o->output, *model);
    log::info("init: wrote {} ({} parameters) to {}", model->name(), model->params().count(),
              o->output);
  };
}

}  // namespace swag::apps
