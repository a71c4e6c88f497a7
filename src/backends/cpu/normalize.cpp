// ops::normalize_images on the host: data::normalize_pixel per byte, in parallel over images.
#include "host_parallel.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/data/pixel_normalize.hpp"

namespace swag::cpu {

void normalize_images(const Tensor& pixels, Tensor& images) {
  const std::int64_t per_image = pixels.numel() / (pixels.dim(0) == 0 ? 1 : pixels.dim(0));
  const std::uint8_t* in = pixels.data<std::uint8_t>();
  float* out = images.data<float>();
  host_for("normalize_images", pixels.dim(0), [=](std::int64_t i) {
    data::normalize_pixels(in + i * per_image, out + i * per_image, per_image);
  });
}

}  // namespace swag::cpu
