// The arithmetic of the GPU's GEMM-like ops (convolutions, linear layers, attention products),
// for the whole process: fp32, tf32 or bf16 products with fp32 accumulation, tensors staying
// fp32 in memory; everything else is fp32 in every mode. The table: doc/engine.md, "GPU math
// modes".
#pragma once
#include <string_view>

namespace swag::ops {

enum class MathMode { fp32, tf32, bf16 };

// "fp32", "tf32" or "bf16"; anything else fails with ExitCode::usage, listing the choices.
MathMode parse_math_mode(std::string_view name);
std::string_view math_mode_name(MathMode mode);

// Sets the math mode of the GPU ops for the rest of the process; the ops called after it use it
// (their cached plans are keyed by the mode). Needs the CUDA runtime (swag::cuda::Runtime) alive.
// In a build without CUDA, fp32 is accepted and does nothing (the CPU backend computes in fp32),
// and tf32 or bf16 fail with ExitCode::usage.
void set_gpu_math(MathMode mode);
// The mode set last (fp32 until set); fp32 in a build without CUDA.
MathMode gpu_math();

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
