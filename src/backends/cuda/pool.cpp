// Global average pooling and channel scaling on the GPU: tensor checks here, kernels in pool.cu
// and channel_scale.cu.
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {

void global_avg_pool_forward(const Tensor& x, Tensor& y) {
  require_on_device("global_avg_pool", {&x, &y});
  kernels::global_avg_pool_forward(x.data<float>(), y.data<float>(), x.dim(0), x.dim(1) * x.dim(2),
                                   x.dim(3));
}

void global_avg_pool_backward(const Tensor& dy, Tensor& dx, bool accumulate) {
  require_on_device("global_avg_pool", {&dy, &dx});
  kernels::global_avg_pool_backward(dy.data<float>(), dx.data<float>(), dx.dim(0),
                                    dx.dim(1) * dx.dim(2), dx.dim(3), accumulate);
}

void channel_scale_forward(const Tensor& x, const Tensor& scale, Tensor& y) {
  require_on_device("channel_scale", {&x, &scale, &y});
  kernels::channel_scale_forward(x.data<float>(), scale.data<float>(), y.data<float>(), x.dim(0),
                                 x.dim(1) * x.dim(2), x.dim(3));
}

void channel_scale_backward(const Tensor& x, const Tensor& scale, const Tensor& dy, Tensor& dx,
                            Tensor& dscale) {
  require_on_device("channel_scale", {&x, &scale, &dy, &dx, &dscale});
  kernels::channel_scale_backward(x.data<float>(), scale.data<float>(), dy.data<float>(),
                                  dx.data<float>(), dscale.data<float>(), x.dim(0),
                                  x.dim(1) * x.dim(2), x.dim(3));
}

}  // namespace swag::cuda
