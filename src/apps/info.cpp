// swag info: parameters, GMACs and activations of a preset, without allocating it.
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/dist/gradient_allreduce.hpp"
#include "swag/nn/model.hpp"

namespace swag::apps {
namespace {

// Each bucket's bytes, tensors and the MACs per image of the layers whose parameters end in it.
nlohmann::ordered_json buckets_json(const nn::Model& model, double bucket_mb) {
  const nn::ParameterStore& params = model.params();
  const auto buckets =
      dist::gradient_buckets(params, static_cast<std::int64_t>(bucket_mb * (1 << 20)));
  auto j = nlohmann::ordered_json::array();
  int end_param = static_cast<int>(params.entries().size());
  for (const auto& b : buckets) {
    std::int64_t macs = 0;
    for (const auto& layer : model.stats().layers)
      if (layer.params_end > b.offset && layer.params_end <= b.offset + b.count) macs += layer.macs;
    j.push_back({{"bytes", b.count * static_cast<std::int64_t>(sizeof(float))},
                 {"tensors", end_param - b.first_param},
                 {"macs", macs}});
    end_param = b.first_param;
  }
  return j;
}

}  // namespace

Command add_info(CLI::App& app) {
  struct Options {
    std::string model;
    std::int64_t resolution = 224, num_classes = 1000;
    bool pre_logits = false, json = false;
    double bucket_mb = 0;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model name (e.g. regnety_16gf)")->required();
  app.add_option("--resolution", o->resolution, "input side in pixels")->capture_default_str();
  app.add_option("--num-classes", o->num_classes, "classifier width")->capture_default_str();
  app.add_flag("--pre-logits", o->pre_logits, "ViT: with the pre-training head (heads.pre_logits)");
  app.add_flag("--json", o->json, "print one JSON object");
  app.add_option("--buckets", o->bucket_mb,
                 "also the gradient all-reduce's buckets of this many MiB (training uses 25), in "
                 "the order backward fills them, with the MACs per image of their layers "
                 "(tools/scaling_model.py)")
      ->check(CLI::PositiveNumber);
  return [o] {
    const auto model =
        nn::create_model(o->model, {1, o->resolution, o->num_classes, o->pre_logits});
    const auto& st = model->stats();
    nlohmann::ordered_json j;
    j["model"] = model->name();
    j["resolution"] = o->resolution;
    j["num_classes"] = o->num_classes;
    j["params"] = model->params().count();
    j["gmacs"] = static_cast<double>(st.macs) / 1e9;
    j["acts_m"] = static_cast<double>(st.activations) / 1e6;
    j["stages"] = nlohmann::json::array();
    for (const auto& s : model->stages())
      j["stages"].push_back({{"width", s.width}, {"depth", s.depth}, {"groups", s.groups}});
    if (o->bucket_mb > 0) j["buckets"] = buckets_json(*model, o->bucket_mb);
    if (o->json) {
      fmt::print("{}\n", j.dump());
      return;
    }
    fmt::print("{} at {}x{}, {} classes\n", model->name(), o->resolution, o->resolution,
               o->num_classes);
    fmt::print("  params {:>14}\n  GMACs  {:>14.3f}\n  acts   {:>13.2f}M\n",
               model->params().count(), j["gmacs"].get<double>(), j["acts_m"].get<double>());
    for (const auto& s : model->stages())
      fmt::print("  stage width {:>5} depth {:>3} groups {:>3}\n", s.width, s.depth, s.groups);
    for (const auto& b : j.value("buckets", nlohmann::ordered_json::array()))
      fmt::print("  bucket {:>6.2f} MiB {:>4} tensors {:>8.3f} GMACs\n",
                 b["bytes"].get<double>() / (1 << 20), b["tensors"].get<int>(),
                 b["macs"].get<double>() / 1e9);
  };
}

}  // namespace swag::apps
