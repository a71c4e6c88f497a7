// The loader's normalization of RGB bytes on the GPU, one thread per output float, through
// normalize_pixel (the formula the loader and the CPU backend use). With --fmad=false and
// IEEE division (nvcc's default -prec-div=true), the floats are the host's bit for bit, and so
// are their roundings to bf16 or f16 (core/float16.hpp).
#include "input_kernels.hpp"
#include "launch.cuh"
#include "swag/core/pixel_normalize.hpp"

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
