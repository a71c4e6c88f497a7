// The GPU backend of a build without CUDA (backends/gpu.hpp): what needs a GPU fails with
// ExitCode::usage, what asks about one answers "none". The ops are never reached (ops::on_cuda
// fails first for a CUDA tensor) but must link, as SWAG_BACKEND_CALL names both backends.
#include "swag/backends/gpu.hpp"
#include "swag/core/error.hpp"

namespace swag::no_gpu {
namespace {

[[noreturn]] void built_without_cuda() {
  fail(ExitCode::usage, "this swag was built without CUDA (use the 'cuda' preset)");
}

}  // namespace

// The parameter lists come from SWAG_BACKEND_OPS with their names, which these bodies ignore.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define SWAG_DEFINE_NO_GPU_OP(result, name, parameters) \
  result name parameters {                              \
    built_without_cuda();                               \
  }
SWAG_BACKEND_OPS(SWAG_DEFINE_NO_GPU_OP)
#undef SWAG_DEFINE_NO_GPU_OP
#pragma GCC diagnostic pop

Runtime::Runtime(int /*device*/) {
  built_without_cuda();
}

void copy(const Tensor& /*src*/, Tensor& /*dst*/) {
  built_without_cuda();
}

void copy_async(const Tensor& /*src*/, Tensor& /*dst*/) {
  built_without_cuda();
}

void nchw_to_nhwc(const Tensor& /*x*/, Tensor& /*y*/) {
  built_without_cuda();
}

void synchronize() {
  built_without_cuda();
}

void* event_create() {
  built_without_cuda();
}

// Host events hold no handle: nothing to destroy, record or wait for.
void event_destroy(void* /*event*/) noexcept {}
void event_record(void* /*event*/) {}
void event_wait(void* /*event*/) {}

void* timed_event_record() {
  built_without_cuda();
}

float event_elapsed_ms(void* /*start*/, void* /*end*/) {
  built_without_cuda();
}

// ops::set_math_mode calls it only with a live CUDA runtime, which this build never has.
void set_math_mode(ops::MathMode /*mode*/) {
  built_without_cuda();
}

// The CPU backend is deterministic either way.
void set_deterministic(bool /*deterministic*/) {}

bool is_deterministic() {
  return true;
}

int compute_capability() {
  return 0;
}

std::string build_description() {
  return {};
}

std::string visible_gpus() {
  return {};
}

GpuCommunicatorId gpu_communicator_id() {
  built_without_cuda();
}

std::shared_ptr<GpuCommunicator> make_gpu_communicator(const GpuCommunicatorId& /*id*/,
                                                       int /*rank*/, int /*size*/,
                                                       void (* /*end_job*/)()) {
  built_without_cuda();
}

}  // namespace swag::no_gpu
