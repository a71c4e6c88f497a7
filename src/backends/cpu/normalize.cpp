// ops::normalize_images on the host: normalize_pixel per byte, rounded once to the
// images' storage type T (float, bf16, f16), in parallel over images.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"
#include "swag/core/pixel_normalize.hpp"

namespace swag::cpu {

void normalize_images(const Tensor& pixels, Tensor& images) {
  const std::int64_t per_image = pixels.numel() / (pixels.dim(0) == 0 ? 1 : pixels.dim(0));
  const std::uint8_t* in = pixels.data<std::uint8_t>();
  visit_float_type(images.dtype(), "normalize_images", [&](auto tag) {
    using T = decltype(tag);
    T* const out = images.data<T>();
    host_for("normalize_images", pixels.dim(0), [=](std::int64_t i) {
      const std::uint8_t* src = in + i * per_image;
      T* dst = out + i * per_image;
      for (std::int64_t k = 0; k < per_image; k += 3)
        for (int c = 0; c < 3; ++c) dst[k + c] = store_as<T>(normalize_pixel(src[k + c], c));
    });
  });
}

}  // namespace swag::cpu
