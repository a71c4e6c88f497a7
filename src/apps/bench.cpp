// swag bench: images/s of a full training step (forward, soft-target cross-entropy, backward,
// SGD-Nesterov update) or of an eval-mode forward, on random data, median over iterations; or
// of the training loader (read from the shards, JPEG decode, RandomResizedCrop, flip,
// normalization) over a run of steps.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "swag/apps/commands.hpp"
#include "swag/backends/cpu/runtime.hpp"
#include "swag/core/log.hpp"
#include "swag/core/rng.hpp"
#include "swag/data/loader.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/optimizer.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string model, mode = "train", data;
  std::int64_t batch = 32, resolution = 224, num_classes = 1000;
  int threads = 0, warmup = 2, iters = 10, workers = 2, prefetch = 2;
  bool pre_logits = false, json = false, no_dct_scaling = false;
};

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The loader as pre-training runs it (one rank, the resampled stream), timed from the first
// step after the warm-up to the last: images/s, and the process's CPU time over that span.
void run_loader(const Options& o) {
  if (o.data.empty()) fail(ExitCode::usage, "--mode loader needs --data (a shard folder)");
  if (o.workers < 1 || o.prefetch < 1) fail(ExitCode::usage, "--workers and --prefetch >= 1");
  data::LoaderOptions lo;
  lo.data_dir = o.data;
  lo.global_batch = lo.local_batch = o.batch;
  lo.resolution = static_cast<int>(o.resolution);
  lo.workers = o.workers;
  lo.prefetch = o.prefetch;
  lo.dct_scaling = !o.no_dct_scaling;
  data::Loader loader(lo);
  Tensor images = Tensor::empty({o.batch, o.resolution, o.resolution, 3});
  Tensor targets = Tensor::empty({o.batch, loader.num_classes()});
  log::info("bench: loader, batch {} at {}x{}, {} workers, {} batches ahead, DCT scaling {}",
            o.batch, o.resolution, o.resolution, o.workers, o.prefetch,
            lo.dct_scaling ? "on" : "off");
  for (int step = 0; step < o.warmup; ++step) loader.fill(step, images, targets);
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = process_cpu_seconds();
  for (int step = o.warmup; step < o.warmup + o.iters; ++step) loader.fill(step, images, targets);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = process_cpu_seconds() - cpu0;
  const double n = static_cast<double>(o.batch) * o.iters;
  nlohmann::ordered_json j;
  j["images_per_s"] = n / seconds;
  j["images_per_s_per_worker"] = n / seconds / o.workers;
  j["images_per_cpu_s"] = n / cpu;  // per core fully busy, whatever else runs on the machine
  j["cpu_busy"] = cpu / seconds;    // cores' worth of CPU the process used
  j["seconds"] = seconds;
  j["mode"] = "loader";
  j["batch"] = o.batch;
  j["resolution"] = o.resolution;
  j["workers"] = o.workers;
  j["prefetch"] = o.prefetch;
  j["dct_scaling"] = lo.dct_scaling;
  j["warmup"] = o.warmup;
  j["iters"] = o.iters;
  if (o.json)
    fmt::print("{}\n", j.dump());
  else
    fmt::print(
        "loader: {:.1f} images/s, {:.1f} per worker, {:.1f} per CPU second ({:.2f} cores busy) "
        "over "
        "{} steps of {}\n",
        j["images_per_s"].get<double>(), j["images_per_s_per_worker"].get<double>(),
        j["images_per_cpu_s"].get<double>(), j["cpu_busy"].get<double>(), o.iters, o.batch);
}

Tensor random_tensor(const Shape& shape, std::uint64_t stream) {
  Tensor t = Tensor::empty(shape);
  Rng rng(1234, stream);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = rng.normal();
  return t;
}

// Each row 1/K on K = 1..3 classes, as for hashtag targets.
Tensor random_targets(std::int64_t n, std::int64_t c) {
  Tensor t = Tensor::zeros({n, c});
  Rng rng(99);
  for (std::int64_t i = 0; i < n; ++i) {
    const int k = 1 + static_cast<int>(rng.next_u32() % 3);
    for (int j = 0; j < k; ++j) t.data<float>()[i * c + rng.next_u32() % c] += 1.0f / k;
  }
  return t;
}

void run(const Options& o) {
  if (o.mode != "train" && o.mode != "infer" && o.mode != "loader")
    fail(ExitCode::usage, "--mode must be train, infer or loader, not '{}'", o.mode);
  if (o.iters < 1 || o.warmup < 0) fail(ExitCode::usage, "--iters >= 1 and --warmup >= 0");
  if (o.mode == "loader") return run_loader(o);
  if (o.model.empty()) fail(ExitCode::usage, "--mode {} needs --model", o.mode);
  if (o.threads > 0) cpu::Runtime::set_threads(o.threads);
  auto model = nn::create_model(o.model, {o.batch, o.resolution, o.num_classes, o.pre_logits});
  model->allocate(0);
  const Tensor images = random_tensor(model->input_shape(), 1);
  const Tensor targets = random_targets(o.batch, o.num_classes);
  train::ForwardBackward step(*model);
  const auto sgd = train::make_optimizer(model->params(), {});
  const bool train = o.mode == "train";
  auto once = [&] {
    if (train) {
      step.run(*model, images, targets);
      sgd->step(0.01f);
    } else {
      model->forward(images, false);
    }
  };
  log::info("bench: {} {} batch {} at {}x{}, {} threads", model->name(), o.mode, o.batch,
            o.resolution, o.resolution, cpu::Runtime::threads());
  for (int i = 0; i < o.warmup; ++i) once();
  std::vector<double> seconds;
  for (int i = 0; i < o.iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  nlohmann::ordered_json j;
  j["images_per_s"] = static_cast<double>(o.batch) / median;
  j["median_step_s"] = median;
  j["model"] = model->name();
  j["mode"] = o.mode;
  j["batch"] = o.batch;
  j["resolution"] = o.resolution;
  j["threads"] = cpu::Runtime::threads();
  j["iters"] = o.iters;
  if (o.json)
    fmt::print("{}\n", j.dump());
  else
    fmt::print("{} {}: {:.1f} images/s (median step {:.4f} s over {} iterations)\n", model->name(),
               o.mode, j["images_per_s"].get<double>(), median, o.iters);
}

}  // namespace

Command add_bench(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model name (train and infer)");
  app.add_option("--mode", o->mode, "train, infer or loader")->capture_default_str();
  app.add_option("--data", o->data, "loader: shard folder (index.json)");
  app.add_option("--workers", o->workers, "loader: decoding threads")->capture_default_str();
  app.add_option("--prefetch", o->prefetch, "loader: batches ahead")->capture_default_str();
  app.add_flag("--no-dct-scaling", o->no_dct_scaling, "loader: always decode JPEGs at full size");
  app.add_option("--batch", o->batch, "batch size")->capture_default_str();
  app.add_option("--resolution", o->resolution, "input side")->capture_default_str();
  app.add_option("--num-classes", o->num_classes, "classes")->capture_default_str();
  app.add_option("--threads", o->threads, "CPU threads (default: OMP_NUM_THREADS)");
  app.add_option("--warmup", o->warmup, "untimed iterations")->capture_default_str();
  app.add_option("--iters", o->iters, "timed iterations")->capture_default_str();
  app.add_flag("--pre-logits", o->pre_logits, "ViT: with the pre-training head (heads.pre_logits)");
  app.add_flag("--json", o->json, "print one JSON object");
  return [o] { run(*o); };
}

}  // namespace swag::apps
