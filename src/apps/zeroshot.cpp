// swag zeroshot: a hashtag model's accuracy on a labelled target set without training (paper
// §4.4, App. D; doc/zeroshot.md): hashtag probabilities become target-class scores through the
// WordNet mapping, optionally calibrated by Platt scaling fitted on the unlabelled set itself.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/core/sha256.hpp"
#include "swag/eval/platt.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/eval/test_set_scoring.hpp"
#include "swag/eval/zero_shot_scores.hpp"
#include "swag/nn/weights.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/provenance.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string checkpoint, vocab, mapping, data, aggregate, device = "cpu";
  std::int64_t resolution = 0, batch = 32;
  int workers = 2;
  bool platt = false, json = false;
  eval::TestSetScoring scoring;
};

// App. D: RegNetY sums with Platt scaling and averages without; ViT splits and takes the max.
eval::Aggregate default_aggregate(const std::string& model, bool platt) {
  if (model.starts_with("vit")) return eval::Aggregate::split_max;
  return platt ? eval::Aggregate::sum : eval::Aggregate::mean;
}

// The checkpoint, the vocabulary and the mapping must describe the same hashtag classes.
void check_inputs(const Options& o, const nn::Model& model, const eval::MappingFile& m) {
  const std::string vocab_sha = sha256_file(o.vocab);
  if (m.vocab_sha256 != vocab_sha)
    fail(ExitCode::input, "{} was made for vocabulary {}, {} is {}", o.mapping, m.vocab_sha256,
         o.vocab, vocab_sha);
  if (m.num_classes != model.dims().num_classes)
    fail(ExitCode::input, "{} has {} hashtag classes, {} predicts {}", o.mapping, m.num_classes,
         o.checkpoint, model.dims().num_classes);
  const Hdf5File f = Hdf5File::open_read(o.checkpoint);
  if (f.has_attribute("/", "checkpoint_state")) {
    const auto state = nlohmann::json::parse(f.string_attribute("/", "checkpoint_state"));
    const auto trained_on = state.value("vocab_sha256", std::string());
    if (!trained_on.empty() && trained_on != vocab_sha)
      fail(ExitCode::input, "{} was trained on vocabulary {}, {} is {}", o.checkpoint, trained_on,
           o.vocab, vocab_sha);
  }
}

void run(const Options& o) {
  const auto comm = dist::Communicator::world();
  if (o.batch < 1) fail(ExitCode::usage, "--batch must be >= 1");
  const train::DeviceScope device(o.device, "fp32", comm, train::ChoiceFrom::command_line);
  auto model = nn::load_model(o.checkpoint, o.batch, o.resolution, device.device());
  const auto m = eval::read_mapping_file(o.mapping);
  check_inputs(o, *model, m);
  const eval::Aggregate aggregate = o.aggregate.empty() ? default_aggregate(model->name(), o.platt)
                                                        : eval::parse_aggregate(o.aggregate);
  const eval::TestSetScorer scorer(o.data, o.mapping, static_cast<std::int64_t>(m.mapping.size()),
                                   o.scoring);
  const auto predictions = eval::predict_dataset(*model, comm, {o.data, o.workers});
  Tensor scores = eval::zero_shot_scores(predictions.rows, m.mapping, aggregate);
  eval::normalize_rows(scores);
  nlohmann::ordered_json j;
  if (o.platt) {
    // Every rank holds all rows and the fit is deterministic: every rank gets the same scaler.
    const auto fit = eval::fit_platt(scores);
    scores = fit.scaler.apply(scores);
    j["platt_iterations"] = fit.iterations;
    j["platt_converged"] = fit.converged;
    j["platt_gradient_max"] = fit.gradient_max;
    log::info("zeroshot: Platt scaling fitted in {} iterations (KL to uniform {:.3g})",
              fit.iterations, fit.kl);
  }
  const auto scored = scorer.score(scores, predictions);
  const auto& counts = scored.counts.counts;
  if (comm.rank() != 0) return;
  nlohmann::ordered_json out{{"top1", counts.top1_accuracy()},
                             {"top5", counts.top5_accuracy()},
                             {"n", counts.n},
                             {"scoring", scored.scoring},
                             {"excluded", scored.counts.excluded},
                             {"platt", o.platt},
                             {"aggregate", eval::aggregate_name(aggregate)}};
  if (!j.is_null()) out.update(j);
  out["provenance"] = train::provenance_json();
  if (o.json)
    std::printf("%s\n", out.dump().c_str());
  else
    std::printf("zero-shot top-1 %.4f  top-5 %.4f  (%lld images, %s, %s)\n", counts.top1_accuracy(),
                counts.top5_accuracy(), static_cast<long long>(counts.n),
                std::string(eval::aggregate_name(aggregate)).c_str(),
                o.platt ? "Platt scaling" : "no Platt scaling");
}

}  // namespace

Command add_zeroshot(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--checkpoint", o->checkpoint, "hashtag model: weights file or checkpoint")
      ->required();
  app.add_option("--vocab", o->vocab, "the vocabulary it was trained on (vocab.json)")->required();
  app.add_option("--mapping", o->mapping, "mapping.json of swag vocab map")->required();
  app.add_option("--data", o->data, "labelled target shards (labels = mapping targets)")
      ->required();
  app.add_flag("--platt", o->platt, "Platt scaling fitted on the unlabelled target images");
  app.add_option("--aggregate", o->aggregate,
                 "sum | mean | max | split-max (default: App. D's: RegNetY sum with --platt, "
                 "mean without; ViT split-max)");
  app.add_option("--resolution", o->resolution, "evaluation resolution (default: the file's)");
  app.add_option("--batch", o->batch, "images per rank per step (default 32)");
  app.add_option("--workers", o->workers, "decoding threads per rank (default 2)");
  app.add_option("--device", o->device, "cpu, or cuda: one GPU per rank")->capture_default_str();
  add_test_set_options(app, o->scoring);
  app.add_flag("--json", o->json, R"(print {"top1","top5","n","scoring","excluded","platt",...})");
  return [o] { run(*o); };
}

}  // namespace swag::apps
