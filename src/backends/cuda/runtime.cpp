#include "swag/backends/cuda/runtime.hpp"

#include <cuda_runtime_api.h>
#include <cudnn_version.h>
#include <nccl.h>

#include <memory>

#include "allocator.hpp"
#include "kernels.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/error.hpp"

namespace swag::cuda {
namespace {

std::unique_ptr<Context> current;

}  // namespace

Context& context() {
  if (!current)
    fail(ExitCode::failure,
         "a CUDA op ran before swag::cuda::Runtime was created (or after it "
         "was destroyed)");
  return *current;
}

Runtime::Runtime(int device) {
  SWAG_CHECK(!current, "a second swag::cuda::Runtime in one process");
  const int count = device_count();
  if (count == 0)
    fail(ExitCode::failure, "no CUDA device is visible to this process ({})", no_device_reason());
  if (device < 0 || device >= count)
    fail(ExitCode::failure, "CUDA device {} requested, but {} are visible", device, count);
  current = std::make_unique<Context>(device);
  bool runs = false;
  try {
    runs = kernels::launch_probe();
  } catch (...) {  // e.g. a driver too old for the toolkit's code: no half-made runtime left
    current.reset();
    throw;
  }
  if (!runs) {
    const int cc = current->compute_capability();
    current.reset();
    fail(ExitCode::failure,
         "CUDA device {} has compute capability {}.{}, which this swag was not built for "
         "(CMAKE_CUDA_ARCHITECTURES={}): rebuild the cuda preset with "
         "-DCMAKE_CUDA_ARCHITECTURES={}",
         device, cc / 10, cc % 10, SWAG_CUDA_ARCHITECTURES, cc);
  }
  register_allocator(Device::cuda, &device_allocator());
}

Runtime::~Runtime() {
  register_allocator(Device::cuda, nullptr);
  current.reset();
}

bool Runtime::alive() {
  return current != nullptr;
}

int Runtime::device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // "no driver" or "no device" is an answer here, not a failure
    return 0;
  }
  return count;
}

std::size_t Runtime::memory_in_use() {
  context();  // fails without a live runtime
  std::size_t free = 0, total = 0;
  SWAG_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return total - free;
}

std::string Runtime::no_device_reason() {
  int count = 0;
  const cudaError_t s = cudaGetDeviceCount(&count);
  cudaGetLastError();
  if (s == cudaSuccess) return count == 0 ? "the CUDA runtime counts 0 devices" : "";
  return fmt::format("{}: {}", cudaGetErrorName(s), cudaGetErrorString(s));
}

std::string build_description() {
  return fmt::format("CUDA {}.{}, cuDNN {}.{}.{}, NCCL {}.{}.{}", CUDART_VERSION / 1000,
                     CUDART_VERSION % 1000 / 10, CUDNN_MAJOR, CUDNN_MINOR, CUDNN_PATCHLEVEL,
                     NCCL_MAJOR, NCCL_MINOR, NCCL_PATCH);
}

void synchronize() {
  context().synchronize();
}

void set_math_mode(ops::MathMode mode) {
  context().set_math(mode);
}

void set_deterministic(bool deterministic) {
  context().set_deterministic(deterministic);
}

bool is_deterministic() {
  return context().deterministic();
}

int compute_capability() {
  return Runtime::alive() ? context().compute_capability() : 0;
}

std::string visible_gpus() {
  int count = 0;
  const cudaError_t s = cudaGetDeviceCount(&count);
  cudaGetLastError();  // "no driver" or "no device" is an answer here, not a failure
  if (s != cudaSuccess)
    return fmt::format("0 ({}: {})", cudaGetErrorName(s), cudaGetErrorString(s));
  return fmt::format("{} visible", count);
}

}  // namespace swag::cuda
