#include "swag/train/device_scope.hpp"

#include "swag/core/log.hpp"
#include "swag/ops/math_mode.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/runtime.hpp"
#endif

namespace swag::train {
namespace {

// run.math as a mode; a bad name is a deck error.
ops::MathMode math_of(const std::string& math) {
  try {
    return ops::parse_math_mode(math);
  } catch (const Error& e) {
    fail(ExitCode::config, "run.math: {}", e.what());
  }
}

}  // namespace

DeviceScope::DeviceScope(const std::string& name, const std::string& math,
                         const dist::Communicator& comm) {
  const ops::MathMode mode = math_of(math);
  if (name != "cpu" && name != "cuda")
    fail(ExitCode::config, "run.device must be cpu or cuda, not '{}'", name);
  if (name == "cpu") {
    if (mode != ops::MathMode::fp32)
      fail(ExitCode::config,
           "run.math = {} needs run.device = cuda: the CPU backend computes in fp32", math);
    return;
  }
  const int local_rank = comm.node_local_rank();
#ifdef SWAG_WITH_CUDA
  const int gpus = cuda::Runtime::device_count();
  if (gpus == 0) fail(ExitCode::config, "run.device = cuda, but rank {} sees no GPU", comm.rank());
  const int gpu = local_rank % gpus;
  runtime_ = std::make_shared<cuda::Runtime>(gpu);
  device_ = Device::cuda;
  ops::set_gpu_math(mode);
  log::info("rank {} computes on GPU {} of {} (node-local rank {}), {} math", comm.rank(), gpu,
            gpus, local_rank, math);
#else
  (void)local_rank;
  fail(ExitCode::config, "run.device = cuda, but this swag was built without CUDA (cuda preset)");
#endif
}

}  // namespace swag::train
