#include "swag/ops/normalize.hpp"

#include "swag/core/float_types.hpp"
#include "swag/ops/dispatch.hpp"

namespace swag::ops {

void normalize_images(const Tensor& pixels, Tensor& images) {
  SWAG_CHECK(pixels.rank() == 4 && pixels.dim(3) == 3 && pixels.dtype() == DType::u8,
             "normalize_images: pixels of {} {} (want u8 [N, H, W, 3])", dtype_name(pixels.dtype()),
             shape_str(pixels.shape()));
  expect_shape("normalize_images", "images", images, pixels.shape());
  SWAG_CHECK(is_float_type(images.dtype()) && images.device() == pixels.device(),
             "normalize_images: images of {} on {} for pixels on {}", dtype_name(images.dtype()),
             device_name(images.device()), device_name(pixels.device()));
  SWAG_BACKEND_CALL(on_cuda("normalize_images", pixels, true), normalize_images, pixels, images);
}

}  // namespace swag::ops
