// The loader's normalization of RGB bytes on the GPU, one thread per output float, through
// normalize_pixel (the formula the loader and the CPU backend use). With --fmad=false and
// IEEE division (nvcc's default -prec-div=true), the floats are the host's bit for bit, and so
// are their roundings to bf16 or f16 (core/float16.hpp).
#include "launch.cuh"
#include "normalize_kernels.hpp"
#include "swag/core/pixel_normalize.hpp"
#ifndef SWAG_KERNEL_EMULATION  // the entry points at the end are not emulated
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#endif

namespace swag::cuda::kernels {
namespace {

template <class T>
struct NormalizePixels {
  const std::uint8_t* pixels;
  T* images;
  __device__ void operator()(std::int64_t i) const {
    images[i] = store_as<T>(normalize_pixel(pixels[i], static_cast<int>(i % 3)));
  }
};

}  // namespace

template <class T>
void normalize_images(const std::uint8_t* pixels, T* images, std::int64_t n) {
  for_each(n, NormalizePixels<T>{pixels, images});
}

template void normalize_images<float>(const std::uint8_t*, float*, std::int64_t);
template void normalize_images<bf16>(const std::uint8_t*, bf16*, std::int64_t);
template void normalize_images<f16>(const std::uint8_t*, f16*, std::int64_t);

}  // namespace swag::cuda::kernels

// The backend's entry points (backends/backend_ops.hpp): the tensors' checks, then the
// launchers above. The CPU emulator (tests/kernel_emulation) builds only what comes before.
#ifndef SWAG_KERNEL_EMULATION

namespace swag::cuda {

void normalize_images(const Tensor& pixels, Tensor& images) {
  require_on_device("normalize_images", {&pixels, &images});
  visit_float_type(images.dtype(), "normalize_images", [&](auto tag) {
    using T = decltype(tag);
    kernels::normalize_images(pixels.data<std::uint8_t>(), images.data<T>(), pixels.numel());
  });
}

}  // namespace swag::cuda

#endif  // SWAG_KERNEL_EMULATION
