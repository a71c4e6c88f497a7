#include "swag/backends/cuda/check.hpp"

#include <string_view>

#include "swag/core/error.hpp"

namespace swag::cuda::detail {
namespace {

// The macro stringizes the whole call; the function name is enough to find it at file:line.
std::string_view function_name(const char* call) {
  const std::string_view s(call);
  return s.substr(0, s.find('('));
}

}  // namespace

void call_failed(cudaError_t s, const char* call, const char* file, int line) {
  // A failed runtime call also leaves its error as the thread's last error; were it kept, the
  // next launch check (cudaGetLastError) would report it again, against an unrelated kernel,
  // after the caller has caught this one. (A sticky error still fails every later call.)
  cudaGetLastError();
  fail(ExitCode::failure, "{}:{}: {} failed: CUDA error {} ({})", file, line, function_name(call),
       cudaGetErrorName(s), cudaGetErrorString(s));
}

std::string cudnn_status_text(cudnnStatus_t s) {
  char detail[512] = "";
  cudnnGetLastErrorString(detail, sizeof detail);
  return detail[0] ? fmt::format("{}: {}", cudnnGetErrorString(s), detail)
                   : std::string(cudnnGetErrorString(s));
}

void call_failed(cudnnStatus_t s, const char* call, const char* file, int line) {
  fail(ExitCode::failure, "{}:{}: {} failed: cuDNN error {}", file, line, function_name(call),
       cudnn_status_text(s));
}

void call_failed(cublasStatus_t s, const char* call, const char* file, int line) {
  fail(ExitCode::failure, "{}:{}: {} failed: cuBLASLt error {} ({})", file, line,
       function_name(call), cublasLtGetStatusName(s), cublasLtGetStatusString(s));
}

}  // namespace swag::cuda::detail
