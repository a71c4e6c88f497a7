// swag eval: top-1 and top-5 of a weights file or checkpoint on a labelled shard set, with the
// §4.1 evaluation transform, spread over the ranks; every image counts exactly once. ReaL and
// ObjectNet are scored by their own rules (eval/test_set_scoring.hpp).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/core/log.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/eval/test_set_scoring.hpp"
#include "swag/nn/weights.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/provenance.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string checkpoint, data, device = "cpu";
  std::int64_t resolution = 0, batch = 32;
  int workers = 2;
  bool json = false;
  eval::TestSetScoring scoring;
};

void run(const Options& o) {
  const auto comm = dist::Communicator::world();
  if (o.batch < 1) fail(ExitCode::usage, "--batch must be >= 1");
  const train::DeviceScope device(o.device, "fp32", comm, train::ChoiceFrom::command_line);
  train::report_cpus(comm, o.workers, "--workers");
  auto model = nn::load_model(o.checkpoint, o.batch, o.resolution, device.device());
  const eval::TestSetScorer scorer(o.data, o.checkpoint, model->dims().num_classes, o.scoring);
  const auto predictions = eval::predict_dataset(*model, comm, {o.data, o.workers});
  const auto scored = scorer.score(predictions.rows, predictions);
  const auto& counts = scored.counts.counts;
  if (comm.rank() != 0) return;
  if (o.json) {
    nlohmann::ordered_json j{{"top1", counts.top1_accuracy()},
                             {"top5", counts.top5_accuracy()},
                             {"n", counts.n},
                             {"scoring", scored.scoring},
                             {"excluded", scored.counts.excluded},
                             {"provenance", train::provenance_json()}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("top-1 %.4f  top-5 %.4f  (%lld images, %s scoring, %lld excluded; %s at %lld)\n",
                counts.top1_accuracy(), counts.top5_accuracy(), static_cast<long long>(counts.n),
                scored.scoring.c_str(), static_cast<long long>(scored.counts.excluded),
                model->name().c_str(), static_cast<long long>(model->dims().resolution));
  }
}

}  // namespace

void add_test_set_options(CLI::App& app, eval::TestSetScoring& scoring) {
  app.add_option("--real-labels", scoring.real_labels,
                 "ReaL's real.json: correct when the prediction is in the image's label set; "
                 "images with an empty set are excluded");
  app.add_option("--objectnet-mapping", scoring.objectnet_mapping,
                 "ObjectNet mapping (inputs/objectnet/): predictions restricted to the IN-1k "
                 "classes of ObjectNet's classes, the data labelled with ObjectNet's");
}

Command add_eval(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--checkpoint", o->checkpoint, "weights file or checkpoint (HDF5)")->required();
  app.add_option("--data", o->data, "labelled shard directory (index.json)")->required();
  app.add_option("--resolution", o->resolution,
                 "evaluation resolution: shorter side resized to it, centre crop (default: the "
                 "file's)");
  app.add_option("--batch", o->batch, "images per rank per step (default 32)");
  app.add_option("--workers", o->workers, "decoding threads per rank (default 2)");
  app.add_option("--device", o->device, "cpu, or cuda: one GPU per rank")->capture_default_str();
  add_test_set_options(app, o->scoring);
  app.add_flag("--json", o->json, R"(print {"top1","top5","n","scoring","excluded","provenance"})");
  return [o] { run(*o); };
}

}  // namespace swag::apps
