// The process-wide math mode of the GEMM-like ops, and whether the CPU can run its bf16 one.
#include "swag/ops/math_mode.hpp"

#include <oneapi/dnnl/dnnl.h>

#include <atomic>
#include <cstdlib>

#include "swag/backends/gpu.hpp"
#include "swag/core/error.hpp"

namespace swag::ops {
namespace {

std::atomic<MathMode> current_mode{MathMode::fp32};

// oneDNN's name of a CPU ISA level (dnnl_types.h), as DNNL_MAX_CPU_ISA spells it.
const char* isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "SSE41";
    case dnnl_cpu_isa_avx: return "AVX";
    case dnnl_cpu_isa_avx2: return "AVX2";
    case dnnl_cpu_isa_avx2_vnni: return "AVX2_VNNI";
    case dnnl_cpu_isa_avx512_mic: return "AVX512_MIC";
    case dnnl_cpu_isa_avx512_mic_4ops: return "AVX512_MIC_4OPS";
    case dnnl_cpu_isa_avx512_core: return "AVX512_CORE";
    case dnnl_cpu_isa_avx512_core_vnni: return "AVX512_CORE_VNNI";
    case dnnl_cpu_isa_avx512_core_bf16: return "AVX512_CORE_BF16";
    case dnnl_cpu_isa_avx512_core_amx: return "AVX512_CORE_AMX";
    default: return "no vector ISA oneDNN names";
  }
}

}  // namespace

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

void set_math_mode(MathMode mode) {
  if (gpu_compute_capability() != 0) {  // a live CUDA runtime
    gpu_backend::set_math_mode(mode);
  } else if (mode == MathMode::tf32) {
    fail(ExitCode::usage, "math mode tf32 needs a GPU: the CPU multiplies in fp32 or bf16 only");
  } else if (mode == MathMode::bf16) {
    const std::string missing = cpu_bf16_missing();
    if (!missing.empty()) fail(ExitCode::usage, "math mode bf16: {}", missing);
  }
  current_mode = mode;
}

MathMode math_mode() {
  return current_mode;
}

std::string cpu_bf16_missing() {
  // The ISA levels nest as bit sets: AMX includes avx512_core_bf16's bits.
  const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  if ((isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16) return "";
  const char* limit = std::getenv("DNNL_MAX_CPU_ISA");
  return fmt::format(
      "this CPU has no bf16 instructions (neither avx512_bf16 nor amx_bf16): oneDNN runs it at "
      "ISA {}{}",
      isa_name(isa), limit ? fmt::format(", limited by DNNL_MAX_CPU_ISA={}", limit) : "");
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
