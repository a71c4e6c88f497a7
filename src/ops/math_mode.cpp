#include "swag/ops/math_mode.hpp"

#include "swag/core/error.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/runtime.hpp"
#endif

namespace swag::ops {

MathMode parse_math_mode(std::string_view name) {
  if (name == "fp32") return MathMode::fp32;
  if (name == "tf32") return MathMode::tf32;
  if (name == "bf16") return MathMode::bf16;
  fail(ExitCode::usage, "unknown math mode '{}': choose fp32, tf32 or bf16", name);
}

std::string_view math_mode_name(MathMode mode) {
  switch (mode) {
    case MathMode::fp32: return "fp32";
    case MathMode::tf32: return "tf32";
    case MathMode::bf16: return "bf16";
  }
  return "unknown";
}

void set_gpu_math(MathMode mode) {
#ifdef SWAG_WITH_CUDA
  cuda::context().set_math(mode);
#else
  if (mode != MathMode::fp32)
    fail(ExitCode::usage,
         "math mode {}: this swag was built without CUDA, and the CPU backend computes in fp32 "
         "only",
         math_mode_name(mode));
#endif
}

MathMode gpu_math() {
#ifdef SWAG_WITH_CUDA
  return cuda::context().math();
#else
  return MathMode::fp32;
#endif
}

void set_gpu_deterministic(bool deterministic) {
#ifdef SWAG_WITH_CUDA
  cuda::context().set_deterministic(deterministic);
#else
  (void)deterministic;
#endif
}

int gpu_compute_capability() {
#ifdef SWAG_WITH_CUDA
  return cuda::Runtime::alive() ? cuda::context().compute_capability() : 0;
#else
  return 0;
#endif
}

bool gpu_deterministic() {
#ifdef SWAG_WITH_CUDA
  return cuda::context().deterministic();
#else
  return true;
#endif
}

}  // namespace swag::ops
