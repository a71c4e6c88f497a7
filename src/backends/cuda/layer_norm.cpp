// Layer normalization on the GPU: tensor checks here, kernels in layer_norm.cu.
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "layer_norm_kernels.hpp"

namespace swag::cuda {

void layer_norm_forward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& gamma,
                        const Tensor& beta, Tensor& y, Tensor& mean, Tensor& rstd) {
  require_on_device("layer_norm", {&x, &gamma, &beta, &y, &mean, &rstd});
  kernels::layer_norm_forward(x.data<float>(), gamma.data<float>(), beta.data<float>(),
                              y.data<float>(), mean.data<float>(), rstd.data<float>(), d.rows,
                              d.features, d.eps);
}

void layer_norm_backward(const ops::LayerNormDesc& d, const Tensor& x, const Tensor& dy,
                         const Tensor& gamma, const Tensor& mean, const Tensor& rstd, Tensor& dx,
                         Tensor& dgamma, Tensor& dbeta) {
  require_on_device("layer_norm", {&x, &dy, &gamma, &mean, &rstd, &dx, &dgamma, &dbeta});
  kernels::layer_norm_backward(x.data<float>(), dy.data<float>(), gamma.data<float>(),
                               mean.data<float>(), rstd.data<float>(), dx.data<float>(),
                               dgamma.data<float>(), dbeta.data<float>(), d.rows, d.features);
}

}  // namespace swag::cuda
