// swag linear-probe: a linear classifier on the frozen trunk of a weights file or checkpoint
// (paper Tables 4, 6, 7; doc/linear_probe.md). Features of the training and evaluation sets
// (evaluation transform, no augmentation) are computed once and cached in
// <output-dir>/features.h5; the classifier is a multinomial logistic regression fitted by L-BFGS.
#include "swag/eval/linear_probe.hpp"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/core/atomic_file.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/nn/weights.hpp"
#include "swag/ops/device.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/provenance.hpp"
#include "swag/train/run_files.hpp"

namespace swag::apps {
namespace fs = std::filesystem;
namespace {

struct Options {
  std::string checkpoint, train, eval, output_dir, device = "cpu";
  std::int64_t resolution = 0, batch = 32;
  int workers = 2;
  double weight_decay = 1e-4;
  int max_iterations = 500;
  bool json = false;
};

struct Split {
  Tensor features;
  std::vector<std::int32_t> labels;
  std::int64_t classes = 0;
};

// What the cache was made from: a different checkpoint (path, size, time), resolution or data
// set means new features.
std::string cache_key(const Options& o, std::int64_t resolution) {
  const auto stamp = fs::last_write_time(o.checkpoint).time_since_epoch().count();
  return fmt::format("{}|{}|{}|{}|{}|{}", fs::absolute(o.checkpoint).string(),
                     fs::file_size(o.checkpoint), stamp, resolution, fs::absolute(o.train).string(),
                     fs::absolute(o.eval).string());
}

Split extract(nn::Model& model, const dist::Communicator& comm, const std::string& data,
              int workers) {
  const auto p = eval::predict_dataset(model, comm, {data, workers}, [&](const Tensor&) {
    return ops::copy_to(model.features(), Device::cpu);  // the next batch overwrites them
  });
  return {p.rows, p.labels, p.num_classes};
}

// The fitted classifier, in the units of the standardized features (doc/linear_probe.md).
void write_probe(const std::string& path, const eval::LinearProbe& p) {
  const auto as_tensor = [](const std::vector<double>& v, const Shape& shape) {
    Tensor t = Tensor::empty(shape);
    std::copy(v.begin(), v.end(), t.data<float>());
    return t;
  };
  AtomicOutput out(path);
  {
    Hdf5File f = Hdf5File::create(out.temp_path());
    f.write("/weight", as_tensor(p.weight, {p.classes, p.dim}));
    f.write("/bias", as_tensor(p.bias, {p.classes}));
    f.write("/mean", as_tensor(p.mean, {p.dim}));
    f.write("/inv_std", as_tensor(p.inv_std, {p.dim}));
    f.write_scalar_f64("/objective", p.objective);
  }
  out.commit();
}

void run(const Options& o) {
  const auto comm = dist::Communicator::world();
  const train::DeviceScope device(o.device, "fp32", comm, train::ChoiceFrom::command_line);
  auto model = nn::load_model(o.checkpoint, o.batch, o.resolution, device.device());
  const std::string cache = (fs::path(o.output_dir) / "features.h5").string();
  const std::string key = cache_key(o, model->dims().resolution);
  Split train, test;
  std::int64_t cached = 0;
  if (comm.rank() == 0 && fs::exists(cache)) {
    const Hdf5File f = Hdf5File::open_read(cache);
    cached = f.has_attribute("/", "key") && f.string_attribute("/", "key") == key;
  }
  cached = comm.max(cached);
  if (cached) {
    const Hdf5File f = Hdf5File::open_read(cache);
    for (auto [split, name] : {std::pair{&train, "train"}, std::pair{&test, "eval"}}) {
      split->features = f.read_f32(fmt::format("/{}/features", name));
      split->labels = f.read_i32(fmt::format("/{}/labels", name));
      split->classes = f.int_attribute("/", "classes");
    }
    log::info("linear-probe: features from {}", cache);
  } else {
    log::info("linear-probe: trunk features of {} at {}", model->name(), model->dims().resolution);
    train = extract(*model, comm, o.train, o.workers);
    test = extract(*model, comm, o.eval, o.workers);
    if (train.classes != test.classes)
      fail(ExitCode::input, "{} has {} classes, {} has {}", o.train, train.classes, o.eval,
           test.classes);
    if (comm.rank() == 0) {
      fs::create_directories(o.output_dir);
      AtomicOutput out(cache);
      {
        Hdf5File f = Hdf5File::create(out.temp_path());
        f.set_attribute("/", "key", key);
        f.set_attribute("/", "classes", train.classes);
        f.set_attribute("/", "model", model->name());
        for (auto [split, name] : {std::pair{&train, "train"}, std::pair{&test, "eval"}}) {
          f.write(fmt::format("/{}/features", name), split->features);
          f.write_i32(fmt::format("/{}/labels", name), split->labels);
        }
      }
      out.commit();
    }
  }
  const auto probe = eval::fit_linear_probe(train.features, train.labels, train.classes, comm,
                                            {o.weight_decay, o.max_iterations, 1e-6});
  const auto counts = eval::count_topk(probe.scores(test.features), test.labels);
  const auto train_counts = eval::count_topk(probe.scores(train.features), train.labels);
  if (comm.rank() != 0) return;
  write_probe((fs::path(o.output_dir) / "probe.h5").string(), probe);
  nlohmann::ordered_json j{{"top1", counts.top1_accuracy()},
                           {"top5", counts.top5_accuracy()},
                           {"n", counts.n},
                           {"train_top1", train_counts.top1_accuracy()},
                           {"train_images", train_counts.n},
                           {"dim", probe.dim},
                           {"weight_decay", o.weight_decay},
                           {"iterations", probe.iterations},
                           {"converged", probe.converged},
                           {"model", model->name()},
                           {"checkpoint", o.checkpoint},
                           {"provenance", train::provenance_json()}};
  write_file_atomically((fs::path(o.output_dir) / "results.json").string(), j.dump(2) + "\n");
  if (o.json)
    std::printf("%s\n", j.dump().c_str());
  else
    std::printf(
        "linear probe top-1 %.4f  top-5 %.4f  (%lld images; train top-1 %.4f; %d "
        "L-BFGS iterations)\n",
        counts.top1_accuracy(), counts.top5_accuracy(), static_cast<long long>(counts.n),
        train_counts.top1_accuracy(), probe.iterations);
}

}  // namespace

Command add_linear_probe(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--checkpoint", o->checkpoint, "weights file or checkpoint")->required();
  app.add_option("--train", o->train, "labelled training shards")->required();
  app.add_option("--eval", o->eval, "labelled evaluation shards")->required();
  app.add_option("--output-dir", o->output_dir, "features.h5 (cache) and results.json")->required();
  app.add_option("--resolution", o->resolution, "feature resolution (default: the file's)");
  app.add_option("--weight-decay", o->weight_decay, "L2 penalty λ on the weights")
      ->capture_default_str();
  app.add_option("--max-iterations", o->max_iterations, "L-BFGS iteration cap")
      ->capture_default_str();
  app.add_option("--batch", o->batch, "images per rank per step (default 32)");
  app.add_option("--workers", o->workers, "decoding threads per rank (default 2)");
  app.add_option("--device", o->device, "cpu, or cuda: one GPU per rank")->capture_default_str();
  app.add_flag("--json", o->json, R"(print {"top1","top5","n",...})");
  return [o] { run(*o); };
}

}  // namespace swag::apps
