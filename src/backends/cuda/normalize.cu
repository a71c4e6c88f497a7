// The loader's normalization of RGB bytes on the GPU, one thread per output float, through
// data::normalize_pixel (the formula the loader and the CPU backend use). With --fmad=false and
// IEEE division (nvcc's default -prec-div=true), the floats are the host's bit for bit.
#include "input_kernels.hpp"
#include "launch.cuh"
#include "swag/data/pixel_normalize.hpp"

namespace swag::cuda::kernels {
namespace {

struct NormalizePixels {
  const std::uint8_t* pixels;
  float* images;
  __device__ void operator()(std::int64_t i) const {
    images[i] = data::normalize_pixel(pixels[i], static_cast<int>(i % 3));
  }
};

}  // namespace

void normalize_images(const std::uint8_t* pixels, float* images, std::int64_t n) {
  for_each(n, NormalizePixels{pixels, images});
}

}  // namespace swag::cuda::kernels
