// Layer normalization on the GPU: tensor checks here, kernels in layer_norm.cu.
#include "layer_norm_kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {

void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd) {
  require_on_device("layer_norm", {&x, &gamma, &beta, &y, &mean, &rstd});
  visit_float_type(x.dtype(), "layer_norm x", [&](auto t) {
    using T = decltype(t);
    kernels::layer_norm_forward(x.data<T>(), gamma.data<float>(), beta.data<float>(), y.data<T>(),
                                mean.data<float>(), rstd.data<float>(), d.rows, d.features, d.eps);
  });
}

void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta) {
  require_on_device("layer_norm", {&x, &dy, &gamma, &mean, &rstd, &dx, &dgamma, &dbeta});
  visit_float_type(x.dtype(), "layer_norm x", [&](auto t) {
    using T = decltype(t);
    kernels::layer_norm_backward(x.data<T>(), dy.data<T>(), gamma.data<float>(), mean.data<float>(),
                                 rstd.data<float>(), dx.data<T>(), dgamma.data<float>(),
                                 dbeta.data<float>(), d.rows, d.features);
  });
}

}  // namespace swag::cuda
