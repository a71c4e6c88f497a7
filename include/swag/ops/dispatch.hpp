// Device dispatch for the op front-ends in src/ops/.
#pragma once
#include <string_view>

#include "swag/core/tensor.hpp"
#include "swag/ops/profile.hpp"

namespace swag::ops {

// Fails (ExitCode::usage) when `op` is asked to run on CUDA in a build or a stage that has no
// CUDA kernel for it; returns whether the tensor lives on the GPU.
bool on_cuda(std::string_view op, const Tensor& t, bool has_cuda_kernel);

// Calls the backend's fn(args...): cuda::fn when `gpu` (the result of on_cuda) holds in a build
// with the CUDA backend, cpu::fn otherwise, timed under the name fn while ops::profile is on.
// `gpu` is always evaluated, so on_cuda's error for a CUDA tensor in a CPU-only build still
// fires.
#ifdef SWAG_WITH_CUDA
#define SWAG_BACKEND_CALL(gpu, fn, ...)                           \
  [&] {                                                           \
    const bool on_gpu = (gpu);                                    \
    const ::swag::ops::profile::Scope profile_scope(#fn, on_gpu); \
    return on_gpu ? cuda::fn(__VA_ARGS__) : cpu::fn(__VA_ARGS__); \
  }()
#else
#define SWAG_BACKEND_CALL(gpu, fn, ...)                          \
  [&] {                                                          \
    const ::swag::ops::profile::Scope profile_scope(#fn, (gpu)); \
    return cpu::fn(__VA_ARGS__);                                 \
  }()
#endif

// Shape contract of an op argument; a mismatch is an internal error naming op and argument.
void expect_shape(std::string_view op, std::string_view arg, const Tensor& t, const Shape& shape);

}  // namespace swag::ops
