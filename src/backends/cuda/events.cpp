// Events on the context stream: ops::Event's (the input path's double buffering) and the timed
// ones of ops::profile.
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {

void* event_create() {
  cudaEvent_t e = nullptr;
  // Blocking sync: a host waiting on a copy sleeps instead of spinning a core that the loader's
  // decoding threads could use.
  SWAG_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming | cudaEventBlockingSync));
  return e;
}

void event_destroy(void* event) noexcept {
  // Destroying an event whose work is pending is allowed: its resources go when it completes.
  if (event) cudaEventDestroy(static_cast<cudaEvent_t>(event));
}

void event_record(void* event) {
  SWAG_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event), context().stream()));
}

void event_wait(void* event) {
  SWAG_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
}

void* timed_event_record() {
  cudaEvent_t e = nullptr;
  SWAG_CUDA_CHECK(cudaEventCreate(&e));
  SWAG_CUDA_CHECK(cudaEventRecord(e, context().stream()));
  return e;
}

float event_elapsed_ms(void* start, void* end) {
  float ms = 0.0f;
  SWAG_CUDA_CHECK(
      cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start), static_cast<cudaEvent_t>(end)));
  return ms;
}

}  // namespace swag::cuda
