#include "swag/ops/math_mode.hpp"

#include "swag/backends/gpu.hpp"
#include "swag/core/error.hpp"

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
  gpu_backend::set_math_mode(mode);
}

MathMode gpu_math() {
  return gpu_backend::math_mode();
}

void set_gpu_deterministic(bool deterministic) {
  gpu_backend::set_deterministic(deterministic);
}

int gpu_compute_capability() {
  return gpu_backend::compute_capability();
}

bool gpu_deterministic() {
  return gpu_backend::is_deterministic();
}

}  // namespace swag::ops
