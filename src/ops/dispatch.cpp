#include "swag/ops/dispatch.hpp"

namespace swag::ops {

bool on_cuda(std::string_view op, const Tensor& t, bool has_cuda_kernel) {
  if (t.device() == Device::cpu) return false;
  if (!gpu_backend::kBuilt)
    fail(ExitCode::usage, "op '{}' got a CUDA tensor, but this swag was built without CUDA", op);
  if (has_cuda_kernel) return true;
  fail(ExitCode::usage, "op '{}' has no CUDA kernel yet; run it on the CPU backend", op);
}

void expect_shape(std::string_view op, std::string_view arg, const Tensor& t, const Shape& shape) {
  SWAG_CHECK(t.shape() == shape, "{}: {} has shape {}, expected {}", op, arg, shape_str(t.shape()),
             shape_str(shape));
}

}  // namespace swag::ops
