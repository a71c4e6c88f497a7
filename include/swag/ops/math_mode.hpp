// The arithmetic of the GEMM-like ops (convolutions, linear layers, attention products), for the
// whole process: fp32, tf32 (GPU) or bf16 (GPU, or a CPU with bf16 instructions) products with
// fp32 accumulation, tensors staying fp32 in memory; everything else is fp32 in every mode. The
// table: doc/engine.md, "Math modes".
#pragma once
#include <string>
#include <string_view>

namespace swag::ops {

enum class MathMode { fp32, tf32, bf16 };

// "fp32", "tf32" or "bf16"; anything else fails with ExitCode::usage, listing the choices.
MathMode parse_math_mode(std::string_view name);
std::string_view math_mode_name(MathMode mode);

// Sets the math mode of the GEMM-like ops for the rest of the process, on both backends; the ops
// called after it use it (their cached plans are keyed by the mode). With a CUDA runtime alive
// (swag::cuda::Runtime) it reaches cuDNN and cuBLASLt. Without one, tf32 fails with
// ExitCode::usage (the CPU has no tf32 arithmetic), and so does bf16 on a CPU without bf16
// instructions (cpu_bf16_missing). CPU ops in a process with a live GPU runtime compute bf16
// products only where the CPU has the instructions, fp32 otherwise.
void set_math_mode(MathMode mode);
// The mode set last (fp32 until set).
MathMode math_mode();

// Why this CPU cannot multiply in bf16, naming what it lacks (neither avx512_bf16 nor AMX in
// oneDNN's effective ISA, which DNNL_MAX_CPU_ISA can lower); empty when it can.
std::string cpu_bf16_missing();

// Whether the GPU's convolutions keep to cuDNN's deterministic algorithms (true, the default),
// so that every run of the same steps gives the same bits and a resumed run is bitwise an
// uninterrupted one, or may take any algorithm in cuDNN's heuristic order (false), as PyTorch
// does unless told otherwise; some, notably for filter gradients, sum with atomics in an order
// that varies from run to run. Everything else is deterministic either way. Needs the CUDA
// runtime alive; in a build without CUDA it does nothing (the CPU backend is deterministic).
void set_gpu_deterministic(bool deterministic);
bool gpu_deterministic();

// The live GPU's compute capability as 10 * major + minor (90 for an H100); 0 when no CUDA
// runtime is alive, or in a build without CUDA.
int gpu_compute_capability();

}  // namespace swag::ops
