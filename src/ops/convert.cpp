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
