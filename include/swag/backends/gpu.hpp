// The one place that registers the GPU backend: swag::gpu_backend is the CUDA backend in a
// build with it, else no_gpu, whose calls fail with ExitCode::usage ("built without CUDA") or
// answer "no GPU" (0 devices, fp32, no events). Both give the ops of SWAG_BACKEND_OPS, the
// runtime of SWAG_GPU_RUNTIME (backends/backend_ops.hpp) and a Runtime that holds a GPU.
// Only src/ops/ and src/dist/ include this (tools/check_layers.sh); the layers above reach the
// GPU through swag/ops/.
#pragma once
#include "swag/backends/backend_ops.hpp"

#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/backends/cuda/runtime.hpp"

namespace swag {
namespace gpu_backend = cuda;
}
#else
#include <cstddef>
#include <string>

namespace swag::no_gpu {

inline constexpr bool kBuilt = false;

SWAG_BACKEND_OPS(SWAG_DECLARE_BACKEND_OP)
SWAG_GPU_RUNTIME(SWAG_DECLARE_BACKEND_OP)

// cuda::Runtime's interface: no device to count, none to hold.
class Runtime {
 public:
  explicit Runtime(int device);
  static int device_count() { return 0; }
  static bool alive() { return false; }
  static std::string no_device_reason() { return {}; }
  static std::size_t memory_in_use() { return 0; }
};

}  // namespace swag::no_gpu

namespace swag {
namespace gpu_backend = no_gpu;
}
#endif
