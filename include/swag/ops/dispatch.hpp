// Device dispatch for the op front-ends in src/ops/.
#pragma once
#include <string_view>

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/backends/gpu.hpp"
#include "swag/core/tensor.hpp"
#include "swag/ops/profile.hpp"

namespace swag::ops {

// Fails (ExitCode::usage) when `op` is asked to run on CUDA in a build or a stage that has no
// CUDA kernel for it; returns whether the tensor lives on the GPU.
bool on_cuda(std::string_view op, const Tensor& t, bool has_cuda_kernel);

// Calls the backend's fn(args...): gpu_backend::fn (swag/backends/gpu.hpp) when `on_gpu_expr`
// (the result of on_cuda) holds, cpu::fn otherwise, timed under the name fn while ops::profile
// is on. on_cuda fails for a CUDA tensor in a CPU-only build, so no_gpu's ops are never reached.
#define SWAG_BACKEND_CALL(on_gpu_expr, fn, ...)                                          \
  [&] {                                                                                  \
    const bool on_gpu = (on_gpu_expr);                                                   \
    const ::swag::ops::profile::Scope profile_scope(#fn, on_gpu);                        \
    return on_gpu ? ::swag::gpu_backend::fn(__VA_ARGS__) : ::swag::cpu::fn(__VA_ARGS__); \
  }()

// Shape contract of an op argument; a mismatch is an internal error naming op and argument.
void expect_shape(std::string_view op, std::string_view arg, const Tensor& t, const Shape& shape);

}  // namespace swag::ops
