// Global average pooling and channel scaling on the GPU: tensor checks here, kernels in pool.cu
// and channel_scale.cu, templated on the activations' storage type.
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {

void global_avg_pool_forward(const Tensor& x, Tensor& y) {
  require_on_device("global_avg_pool", {&x, &y});
  visit_float_type(x.dtype(), "global_avg_pool_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::global_avg_pool_forward(x.data<T>(), y.data<T>(), x.dim(0), x.dim(1) * x.dim(2),
                                     x.dim(3));
  });
}

void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate) {
  require_on_device("global_avg_pool", {&dy, &dx});
  visit_float_type(dx.dtype(), "global_avg_pool_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::global_avg_pool_backward(dy.data<T>(), dx.data<T>(), dx.dim(0), dx.dim(1) * dx.dim(2),
                                      dx.dim(3), accumulate);
  });
}

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y) {
  require_on_device("channel_scale", {&x, &scale, &y});
  visit_float_type(x.dtype(), "channel_scale_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::channel_scale_forward(x.data<T>(), scale.data<T>(), y.data<T>(), x.dim(0),
                                   x.dim(1) * x.dim(2), x.dim(3));
  });
}

void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale) {
  require_on_device("channel_scale", {&x, &scale, &dy, &dx, &dscale});
  visit_float_type(x.dtype(), "channel_scale_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::channel_scale_backward(x.data<T>(), scale.data<T>(), dy.data<T>(), dx.data<T>(),
                                    dscale.data<T>(), x.dim(0), x.dim(1) * x.dim(2), x.dim(3));
  });
}

}  // namespace swag::cuda
