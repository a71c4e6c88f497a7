// ops::normalize_images on the GPU: tensor checks here, the kernel in normalize.cu.
#include "input_kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {

void normalize_images(const Tensor& pixels, Tensor& images) {
  require_on_device("normalize_images", {&pixels, &images});
  visit_float_type(images.dtype(), "normalize_images", [&](auto tag) {
    using T = decltype(tag);
    kernels::normalize_images(pixels.data<std::uint8_t>(), images.data<T>(), pixels.numel());
  });
}

}  // namespace swag::cuda
