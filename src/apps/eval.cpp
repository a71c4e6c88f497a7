// swag eval: top-1 and top-5 of a weights file or checkpoint on a labelled shard set, with the
// §4.1 evaluation transform, spread over the ranks; every image counts exactly once.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/core/log.hpp"
#include "swag/eval/accuracy.hpp"
#include "swag/eval/model_file.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/provenance.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string checkpoint, data, device = "cpu";
  std::int64_t resolution = 0, batch = 32;
  int workers = 2;
  bool json = false;
};

void run(const Options& o) {
  const auto comm = dist::Communicator::world();
  if (o.batch < 1) fail(ExitCode::usage, "--batch must be >= 1");
  const train::DeviceScope device(o.device, "fp32", comm, train::ChoiceFrom::command_line);
  train::report_cpus(comm, o.workers, "--workers");
  auto model = eval::load_model(o.checkpoint, o.batch, o.resolution, device.device());
  const auto predictions = eval::predict_dataset(*model, comm, {o.data, o.workers});
  if (predictions.num_classes != model->dims().num_classes)
    fail(ExitCode::input, "{} has {} classes, the labels in {} have {}", o.checkpoint,
         model->dims().num_classes, o.data, predictions.num_classes);
  const auto counts = eval::count_topk(predictions.rows, predictions.labels);
  if (comm.rank() != 0) return;
  if (o.json) {
    nlohmann::ordered_json j{{"top1", counts.top1_accuracy()},
                             {"top5", counts.top5_accuracy()},
                             {"n", counts.n},
                             {"provenance", train::provenance_json()}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("top-1 %.4f  top-5 %.4f  (%lld images, %s at %lld)\n", counts.top1_accuracy(),
                counts.top5_accuracy(), static_cast<long long>(counts.n), model->name().c_str(),
                static_cast<long long>(model->dims().resolution));
  }
}

}  // namespace

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
  app.add_flag("--json", o->json, R"(print {"top1","top5","n","provenance"})");
  return [o] { run(*o); };
}

}  // namespace swag::apps
