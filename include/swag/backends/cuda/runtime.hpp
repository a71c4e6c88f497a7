// The CUDA execution context of a process: selects the GPU, creates the shared Context (stream,
// library handles, workspace) and registers the device allocator, so that tensors can live on
// Device::cuda. One per process (one GPU per rank), for the life of main(); like the CPU
// runtime, it is created by main() rather than at static initialization, so that a process
// without a GPU can still start, report and exit cleanly.
#pragma once
#include <cstddef>
#include <string>

namespace swag::cuda {

class Runtime {
 public:
  explicit Runtime(int device = 0);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Number of visible GPUs; 0 when there is no driver or no device (never throws).
  static int device_count();
  // Whether a Runtime exists now.
  static bool alive();
  // Why device_count() is 0, in the CUDA runtime's words ("cudaErrorInsufficientDriver: ...": a
  // driver older than the runtime looks like no GPU otherwise); empty when there are GPUs.
  static std::string no_device_reason();
  // Bytes in use on the runtime's GPU (total less free, cudaMemGetInfo): this process's tensors,
  // library workspaces and CUDA context, and whatever other processes hold there.
  static std::size_t memory_in_use();
};

// The libraries this build was compiled against, from their headers: "CUDA 13.0, cuDNN 9.8.0,
// NCCL 2.26.2" (swag --version, the provenance of outputs).
std::string build_description();
// "<N> visible", or "0 (<cuda error name>: <text>)" when the runtime cannot count devices
// (cudaGetDeviceCount; never throws, needs no GPU).
std::string visible_gpus();

}  // namespace swag::cuda
