// ops::convert on the GPU: tensor checks here, the kernel in convert.cu.
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {

void convert(const Tensor& src, Tensor& dst) {
  require_on_device("convert", {&src, &dst});
  visit_float_type(src.dtype(), "convert: src", [&](auto src_tag) {
    using S = decltype(src_tag);
    visit_float_type(dst.dtype(), "convert: dst", [&](auto dst_tag) {
      using D = decltype(dst_tag);
      kernels::convert(src.data<S>(), dst.data<D>(), src.numel());
    });
  });
}

}  // namespace swag::cuda
