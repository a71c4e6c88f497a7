#include "swag/train/device_scope.hpp"

#include "swag/core/log.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/math_mode.hpp"

namespace swag::train {
namespace {

// The names the messages use for the two choices, and the exit code of a bad one.
struct Source {
  const char* device;
  const char* math;
  const char* precision;
  ExitCode code;
};

Source source_of(ChoiceFrom from) {
  if (from == ChoiceFrom::deck)
    return {"run.device", "run.math", "run.precision", ExitCode::config};
  return {"--device", "--math", "--precision", ExitCode::usage};
}

ops::MathMode math_of(const std::string& math, const Source& s) {
  try {
    return ops::parse_math_mode(math);
  } catch (const Error& e) {
    fail(s.code, "{}: {}", s.math, e.what());
  }
}

}  // namespace

DType parse_precision(const std::string& precision, const std::string& math, ChoiceFrom from) {
  const Source s = source_of(from);
  DType t = DType::f32;
  if (precision == "bf16")
    t = DType::bf16;
  else if (precision == "fp16")
    t = DType::f16;
  else if (precision != "fp32")
    fail(s.code, "{} must be fp32, bf16 or fp16, not '{}'", s.precision, precision);
  if (t != DType::f32 && math != "fp32")
    fail(s.code, "{} = {} applies to {} = fp32 only: 16-bit activations multiply in 16 bits",
         s.math, math, s.precision);
  const int cc = ops::gpu_compute_capability();
  if (t == DType::bf16 && cc != 0 && cc < 80)
    fail(s.code,
         "{} = bf16 needs a GPU with bf16 arithmetic (compute capability 8.0 or newer), and this "
         "one has {}.{}: use fp16, with loss scaling (doc/mixed_precision.md)",
         s.precision, cc / 10, cc % 10);
  return t;
}

void set_cpu_math(const std::string& math, ChoiceFrom from) {
  const Source s = source_of(from);
  const ops::MathMode mode = math_of(math, s);
  if (mode == ops::MathMode::tf32)
    fail(s.code, "{} = tf32 needs {} = cuda: the CPU multiplies in fp32 or bf16 only", s.math,
         s.device);
  if (mode == ops::MathMode::bf16) {
    const std::string missing = ops::cpu_bf16_missing();
    if (!missing.empty())
      fail(s.code, "{} = bf16 on {} = cpu: {}; use {} = fp32", s.math, s.device, missing, s.math);
    log::info(
        "CPU math bf16: bf16 products with fp32 accumulation in convolutions, linear "
        "layers and attention (doc/engine.md, \"Math modes\")");
  }
  ops::set_math_mode(mode);
}

DeviceScope::DeviceScope(const std::string& name, const std::string& math,
                         const dist::Communicator& comm, ChoiceFrom from) {
  const Source s = source_of(from);
  const ops::MathMode mode = math_of(math, s);
  if (name != "cpu" && name != "cuda")
    fail(s.code, "{} must be cpu or cuda, not '{}'", s.device, name);
  if (name == "cpu") {
    set_cpu_math(math, from);
    return;
  }
  const int local_rank = comm.node_local_rank();
  if (!ops::gpu_backend_built())
    fail(s.code, "{} = cuda, but this swag was built without CUDA (cuda preset)", s.device);
  const int gpus = ops::gpu_count();
  if (gpus == 0)
    fail(s.code, "{} = cuda, but rank {} sees no GPU ({})", s.device, comm.rank(),
         ops::no_gpu_reason());
  const int gpu = local_rank % gpus;
  runtime_ = ops::hold_gpu(gpu);
  device_ = Device::cuda;
  ops::set_math_mode(mode);
  log::info("rank {} computes on GPU {} of {} (node-local rank {}), {} math", comm.rank(), gpu,
            gpus, local_rank, math);
}

DeviceScope::DeviceScope(const DeviceKeys& deck, const dist::Communicator& comm)
    : DeviceScope(deck.device, deck.math, comm) {
  if (device_ != Device::cuda) return;
  const bool deterministic = deck.deterministic;
  ops::set_gpu_deterministic(deterministic);
  if (!deterministic)
    log::info(
        "run.deterministic = false: cuDNN may pick non-deterministic convolution "
        "algorithms; a resumed run is no longer bitwise an uninterrupted one");
}

DType deck_precision(const DeviceKeys& deck) {
  return parse_precision(deck.precision, deck.math, ChoiceFrom::deck);
}

void report_cpus(const dist::Communicator& comm, int loader_workers,
                 const std::string& workers_key) {
  const cpu::Affinity a = ops::cpu_affinity();
  const int threads = ops::cpu_threads();
  log::info("rank {}: {} CPU{} in affinity mask ({}), {} compute thread{}, {} loader worker{}",
            comm.rank(), a.cpus, a.cpus == 1 ? "" : "s", a.list, threads, threads == 1 ? "" : "s",
            loader_workers, loader_workers == 1 ? "" : "s");
  // Where the line above shows (rank 0, or every rank with SWAG_LOG_ALL_RANKS=1): once per job,
  // not once per rank.
  if (log::enabled(log::Level::info) && a.cpus > 0 && loader_workers > a.cpus)
    log::warn(
        "{} = {} loader workers on {} CPU{} (affinity mask {}): more decoding threads than CPUs "
        "decode no faster and take CPU time from the {} compute thread{}; lower {} or give the "
        "rank more CPUs (srun --cpus-per-task, mpirun --map-by ...:PE=n)",
        workers_key, loader_workers, a.cpus, a.cpus == 1 ? "" : "s", a.list, threads,
        threads == 1 ? "" : "s", workers_key);
}

}  // namespace swag::train
