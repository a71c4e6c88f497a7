#include "swag/ops/convert.hpp"

#include "swag/core/float_types.hpp"
#include "swag/ops/dispatch.hpp"

namespace swag::ops {

void convert(const Tensor& src, Tensor& dst) {
  SWAG_CHECK(is_float_type(src.dtype()) && is_float_type(dst.dtype()),
             "convert: {} to {} (want f32, bf16 or f16)", dtype_name(src.dtype()),
             dtype_name(dst.dtype()));
  SWAG_CHECK(src.numel() == dst.numel(), "convert: {} elements into {}", src.numel(), dst.numel());
  SWAG_CHECK(src.device() == dst.device(), "convert: src on {}, dst on {}",
             device_name(src.device()), device_name(dst.device()));
  SWAG_BACKEND_CALL(on_cuda("convert", src, true), convert, src, dst);
}

}  // namespace swag::ops

namespace swag {
namespace cpu {
namespace {

// The host conversion (a loop too small for a backend file of its own), named as a CPU backend
// op so that SWAG_BACKEND_CALL finds it.
void nchw_to_nhwc(const Tensor& x, Tensor& y) {
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t p = 0; p < h * w; ++p)
        dst[(i * h * w + p) * c + k] = src[(i * c + k) * h * w + p];
}

}  // namespace
}  // namespace cpu

namespace ops {

void nchw_to_nhwc(const Tensor& x, Tensor& y) {
  SWAG_CHECK(x.rank() == 4, "nchw_to_nhwc: rank {}", x.rank());
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  expect_shape("nchw_to_nhwc", "y", y, {n, h, w, c});
  SWAG_BACKEND_CALL(on_cuda("nchw_to_nhwc", x, true), nchw_to_nhwc, x, y);
}

}  // namespace ops
}  // namespace swag
