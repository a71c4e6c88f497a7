// swag bench: images/s of a full training step (forward, soft-target cross-entropy, backward,
// SGD-Nesterov update) or of an eval-mode forward, on random data, median over iterations, on
// the CPU or the GPU, with the tensor memory it took; or of the training loader (read from the
// shards, JPEG decode, RandomResizedCrop, flip, normalization) over a run of steps. It runs as
// one process without MPI.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "swag/apps/commands.hpp"
#include "swag/backends/cpu/runtime.hpp"
#include "swag/core/allocator.hpp"
#include "swag/core/log.hpp"
#include "swag/core/process_memory.hpp"
#include "swag/core/rng.hpp"
#include "swag/data/loader.hpp"
#include "swag/dist/model_collectives.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/math_mode.hpp"
#include "swag/ops/profile.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/optimizer.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string model, mode = "train", data, device = "cpu", math = "fp32", precision = "fp32";
  std::int64_t batch = 32, resolution = 224, num_classes = 1000;
  int threads = 0, warmup = 2, iters = 10, workers = 2, prefetch = 2, max_open_shards = 8;
  double bucket_mb = 25;
  bool pre_logits = false, json = false, no_dct_scaling = false, u8 = false, recompute = false,
       nondeterministic = false, profile = false;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// The loader as pre-training runs it (one rank, the resampled stream), timed from the first
// step after the warm-up to the last: images/s, and the process's CPU time over that span.
// --u8: batches of bytes before normalization, as pre-training sends them to a GPU.
void run_loader(const Options& o) {
  if (o.data.empty()) fail(ExitCode::usage, "--mode loader needs --data (a shard folder)");
  if (o.workers < 1 || o.prefetch < 1) fail(ExitCode::usage, "--workers and --prefetch >= 1");
  if (o.profile)
    fail(ExitCode::usage, "--profile times the ops of --mode train or infer, not of the loader");
  data::LoaderOptions lo;
  lo.data_dir = o.data;
  lo.global_batch = lo.local_batch = o.batch;
  lo.resolution = static_cast<int>(o.resolution);
  lo.workers = o.workers;
  lo.prefetch = o.prefetch;
  lo.dct_scaling = !o.no_dct_scaling;
  lo.max_open_shards = o.max_open_shards;
  const auto start = Clock::now();
  data::Loader loader(lo);
  const double startup = seconds_since(start);
  const ProcessMemory after_startup = process_memory();
  Tensor images =
      Tensor::empty({o.batch, o.resolution, o.resolution, 3}, o.u8 ? DType::u8 : DType::f32);
  Tensor targets = Tensor::empty({o.batch, loader.num_classes()});
  log::info("bench: loader, batch {} at {}x{} ({}), {} workers, {} batches ahead, DCT scaling {}",
            o.batch, o.resolution, o.resolution, dtype_name(images.dtype()), o.workers, o.prefetch,
            lo.dct_scaling ? "on" : "off");
  for (int step = 0; step < o.warmup; ++step) loader.fill(step, images, targets);
  const auto t0 = Clock::now();
  const double cpu0 = process_cpu_seconds();
  for (int step = o.warmup; step < o.warmup + o.iters; ++step) loader.fill(step, images, targets);
  const double seconds = seconds_since(t0);
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
  j["pixels"] = dtype_name(images.dtype());
  j["warmup"] = o.warmup;
  j["iters"] = o.iters;
  // Start-up and memory at scale (doc/scaling.md): the loader's construction (index.json, the
  // sampler over the mapped buckets.h5), private and shared resident memory, shard files.
  const ProcessMemory end = process_memory();
  j["startup_seconds"] = startup;
  j["loader_private_bytes"] = loader.private_bytes();
  j["rss_anon_after_startup"] = after_startup.rss_anon;
  j["rss_anon"] = end.rss_anon;
  j["rss_file"] = end.rss_file;
  j["peak_rss"] = end.peak_rss;
  j["max_open_shards"] = lo.max_open_shards;
  j["shard_files_opened"] = loader.shard_opens();
  j["peak_open_shards"] = loader.peak_open_shards();
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

// Tensor memory of a model's step on its device, from the allocation counters: what the
// parameters (with gradients, buffers and a 16-bit compute copy) and the optimizer state hold, the
// peak over the timed steps, and the rest of that peak per image: activations, their gradients, the
// backward scratch and the step's temporaries (the input batch excluded).
nlohmann::ordered_json memory_report(nn::Model& model, const train::Optimizer* optimizer,
                                     std::size_t inputs, std::size_t base) {
  const Device d = model.device();
  const std::size_t params =
      model.params().flat_values().nbytes() + model.params().flat_grads().nbytes() +
      model.params().compute_copy_bytes() + model.buffers().flat_values().nbytes();
  std::size_t state = 0;
  if (optimizer)
    for (std::size_t k = 0; k < optimizer->state_names().size(); ++k)
      state += optimizer->state(static_cast<int>(k)).nbytes();
  const std::size_t peak = tensor_bytes_peak(d) - base;
  nlohmann::ordered_json j;
  j["parameters"] = params;
  j["optimizer_state"] = state;
  j["peak"] = peak;
  const auto batch = static_cast<double>(model.dims().batch);
  j["activations_per_image"] = static_cast<double>(peak - params - state - inputs) / batch;
  // Two parts of it: the backward's gradient scratch and, with --recompute, the block buffer.
  j["gradient_scratch_per_image"] = static_cast<double>(model.scratch_bytes()) / batch;
  j["recompute_buffer_per_image"] = static_cast<double>(model.recompute_buffer_bytes()) / batch;
  return j;
}

// --profile: after the timed steps, as many again with every op timed (ops/profile.hpp), per
// step: each op's calls and milliseconds, largest first, and the step's wall time, of which the
// ops' sum is a part.
template <class Step>
nlohmann::ordered_json profile_steps(const Options& o, Step once) {
  ops::profile::start();
  const auto t0 = Clock::now();
  for (int i = 0; i < o.iters; ++i) once();
  const double wall = seconds_since(t0);
  const std::vector<ops::profile::OpTime> times = ops::profile::stop();
  nlohmann::ordered_json j;
  j["step_ms"] = 1e3 * wall / o.iters;
  j["ops"] = nlohmann::ordered_json::array();
  double sum = 0.0;
  for (const auto& t : times) {
    sum += t.seconds;
    j["ops"].push_back({{"op", t.op},
                        {"calls_per_step", static_cast<double>(t.calls) / o.iters},
                        {"ms_per_step", 1e3 * t.seconds / o.iters}});
  }
  j["ops_ms"] = 1e3 * sum / o.iters;
  return j;
}

void print_profile(const nlohmann::ordered_json& p) {
  const double step = p["step_ms"].get<double>();
  fmt::print("profile: {:.3f} ms per step, {:.3f} ms of it in ops\n", step,
             p["ops_ms"].get<double>());
  for (const auto& op : p["ops"])
    fmt::print("  {:<36} {:>7.1f} calls {:>10.3f} ms {:>6.1f}%\n", op["op"].get<std::string>(),
               op["calls_per_step"].get<double>(), op["ms_per_step"].get<double>(),
               100.0 * op["ms_per_step"].get<double>() / step);
}

void run_model(const Options& o, Device device) {
  if (o.threads > 0) cpu::Runtime::set_threads(o.threads);
  const std::size_t base = tensor_bytes_in_use(device);
  auto model = nn::create_model(o.model, {o.batch, o.resolution, o.num_classes, o.pre_logits});
  model->allocate(0, device,
                  train::parse_precision(o.precision, o.math, train::ChoiceFrom::command_line),
                  o.recompute);
  const Tensor images = ops::copy_to(random_tensor(model->input_shape(), 1), device);
  const Tensor targets = ops::copy_to(random_targets(o.batch, o.num_classes), device);
  const bool train = o.mode == "train";
  train::ForwardBackward step(*model);
  const auto sgd = train ? train::make_optimizer(model->params(), {}) : nullptr;
  // Training under mpirun sums the gradients over the ranks as a training step does; the wait
  // after backward is the communication the overlap did not hide (doc/scaling.md).
  const auto comm = dist::Communicator::world();
  std::optional<dist::ModelCollectives> collectives;
  if (train && comm.size() > 1)
    collectives.emplace(comm, *model, /*sync_bn=*/false, /*sync_group=*/0,
                        static_cast<std::int64_t>(o.bucket_mb * (1 << 20)));
  double wait = 0;
  auto once = [&] {
    if (train) {
      step.run(*model, images, targets);
      if (collectives) wait = collectives->finish_gradients();
      sgd->step(0.01f);
    } else {
      model->forward(images, false);
    }
    ops::synchronize(device);
  };
  log::info("bench: {} {} batch {} at {}x{} on {} ({} math, {} activations), {} CPU threads",
            model->name(), o.mode, o.batch, o.resolution, o.resolution, o.device, o.math,
            o.precision, cpu::Runtime::threads());
  for (int i = 0; i < o.warmup; ++i) once();
  std::vector<double> seconds, waits;
  for (int i = 0; i < o.iters; ++i) {
    const auto t0 = Clock::now();
    once();
    seconds.push_back(seconds_since(t0));
    waits.push_back(wait);
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(waits.begin(), waits.end());
  const double median = seconds[seconds.size() / 2];
  const double images_per_s = static_cast<double>(o.batch) / median;
  // 2 FLOPs per multiply-accumulate; a training step does the forward's MACs three times
  // (forward, data gradients, weight gradients), as MFU is usually counted.
  const double macs = static_cast<double>(model->stats().macs);
  nlohmann::ordered_json j;
  j["images_per_s"] = images_per_s;
  j["median_step_s"] = median;
  j["model"] = model->name();
  j["mode"] = o.mode;
  j["device"] = o.device;
  j["math"] = o.math;
  j["precision"] = o.precision;
  j["recompute_activations"] = o.recompute;
  j["deterministic"] = device == Device::cpu || !o.nondeterministic;  // the CPU always is
  j["batch"] = o.batch;
  j["resolution"] = o.resolution;
  j["threads"] = cpu::Runtime::threads();
  j["ranks"] = comm.size();
  if (collectives) j["bucket_mb"] = o.bucket_mb;
  if (collectives && device == Device::cpu) {  // a GPU's sums are queued, not waited for, here
    j["comm_wait_s"] = waits[waits.size() / 2];
    j["comm_wait_fraction"] = waits[waits.size() / 2] / median;
  }
  j["iters"] = o.iters;
  j["gmacs_per_image"] = macs / 1e9;
  j["tflops"] = 2.0 * (train ? 3.0 : 1.0) * macs * images_per_s / 1e12;
  j["memory_bytes"] = memory_report(*model, sgd.get(), images.nbytes() + targets.nbytes(), base);
  // The counters above see tensors only; what the GPU itself has in use after the steps adds
  // cuDNN's and cuBLASLt's workspace and the CUDA context (doc/memory.md sets 2 GiB aside).
  if (device == Device::cuda) j["memory_bytes"]["gpu_in_use"] = ops::gpu_memory_in_use();
  if (o.profile) j["profile"] = profile_steps(o, once);
  if (comm.rank() != 0) return;
  if (o.json)
    fmt::print("{}\n", j.dump());
  else
    fmt::print(
        "{} {} on {}: {:.1f} images/s (median step {:.4f} s over {} iterations), {:.2f} TFLOP/s, "
        "{:.1f} MiB of activations per image\n",
        model->name(), o.mode, o.device, images_per_s, median, o.iters, j["tflops"].get<double>(),
        j["memory_bytes"]["activations_per_image"].get<double>() / (1 << 20));
  if (o.profile && !o.json) print_profile(j["profile"]);
}

void run(const Options& o) {
  if (o.mode != "train" && o.mode != "infer" && o.mode != "loader")
    fail(ExitCode::usage, "--mode must be train, infer or loader, not '{}'", o.mode);
  if (o.iters < 1 || o.warmup < 0) fail(ExitCode::usage, "--iters >= 1 and --warmup >= 0");
  if (o.mode == "loader") return run_loader(o);
  if (o.model.empty()) fail(ExitCode::usage, "--mode {} needs --model", o.mode);
  if (o.device == "cpu") {
    train::set_cpu_math(o.math, train::ChoiceFrom::command_line);
    return run_model(o, Device::cpu);
  }
  const ops::MathMode math = ops::parse_math_mode(o.math);
  if (o.device != "cuda") fail(ExitCode::usage, "--device must be cpu or cuda, not '{}'", o.device);
  if (!ops::gpu_backend_built())
    fail(ExitCode::usage,
         "--device cuda: this swag was built without CUDA (use the 'cuda' preset)");
  const std::shared_ptr<void> gpu = ops::hold_gpu(0);
  ops::set_math_mode(math);
  ops::set_gpu_deterministic(!o.nondeterministic);
  run_model(o, Device::cuda);
}

}  // namespace

Command add_bench(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--model", o->model, "model name (train and infer)");
  app.add_option("--mode", o->mode, "train, infer or loader")->capture_default_str();
  app.add_option("--device", o->device, "train and infer: cpu or cuda (GPU 0)")
      ->capture_default_str();
  app.add_option("--precision", o->precision,
                 "train and infer: activation storage, fp32, bf16 or fp16 (fp32 master weights; "
                 "doc/mixed_precision.md)")
      ->capture_default_str();
  app.add_option("--math", o->math,
                 "arithmetic of convolutions, linear layers and attention products: fp32, bf16 "
                 "(cuda, or a CPU with avx512_bf16 or AMX) or tf32 (cuda); tensors stay fp32")
      ->capture_default_str();
  app.add_option("--data", o->data, "loader: shard folder (index.json)");
  app.add_option("--workers", o->workers, "loader: decoding threads")->capture_default_str();
  app.add_option("--prefetch", o->prefetch, "loader: batches ahead")->capture_default_str();
  app.add_option("--max-open-shards", o->max_open_shards,
                 "loader: shard files each worker keeps open")
      ->capture_default_str();
  app.add_flag("--no-dct-scaling", o->no_dct_scaling, "loader: always decode JPEGs at full size");
  app.add_flag("--u8", o->u8, "loader: u8 batches (normalized later, on the GPU in training)");
  app.add_option("--batch", o->batch, "batch size")->capture_default_str();
  app.add_option("--resolution", o->resolution, "input side")->capture_default_str();
  app.add_option("--num-classes", o->num_classes, "classes")->capture_default_str();
  app.add_option("--threads", o->threads, "CPU threads (default: OMP_NUM_THREADS)");
  app.add_option("--warmup", o->warmup, "untimed iterations")->capture_default_str();
  app.add_option("--iters", o->iters, "timed iterations")->capture_default_str();
  app.add_option("--bucket-mb", o->bucket_mb,
                 "train under mpirun: MiB per gradient all-reduce bucket (training's is 25)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--pre-logits", o->pre_logits, "ViT: with the pre-training head (heads.pre_logits)");
  app.add_flag("--recompute", o->recompute,
               "train and infer: activation recomputation, each block's output kept and the rest "
               "recomputed in backward (doc/memory.md)");
  app.add_flag("--nondeterministic", o->nondeterministic,
               "cuda: cuDNN's convolution algorithms in its own order, non-deterministic ones "
               "included (run.deterministic = false; doc/gpu.md)");
  app.add_flag("--profile", o->profile,
               "train and infer: after the timed steps, as many again with each op timed (host "
               "clock on the CPU, CUDA events on the GPU): milliseconds per op and step");
  app.add_flag("--json", o->json, "print one JSON object");
  return [o] { run(*o); };
}

}  // namespace swag::apps
