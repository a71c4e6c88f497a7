// Batch norm on the GPU: tensor checks here, kernels in batchnorm.cu.
#include "kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {
namespace {

// The arguments without the saved batch statistics, which only training uses.
kernels::BatchNormArgs args(const ops::BatchNormDesc& d, const ops::BatchNormState& s) {
  if (d.sync != nullptr && *d.sync)
    fail(ExitCode::usage,
         "batchnorm: sync BN is not supported on CUDA yet (it needs the NCCL backend); "
         "run without sync BN or on the CPU backend");
  require_on_device("batchnorm", {&s.gamma, &s.beta, &s.running_mean, &s.running_var});
  return {d.rows,
          d.channels,
          d.eps,
          d.momentum,
          d.relu,
          s.gamma.data<float>(),
          s.beta.data<float>(),
          s.running_mean.data<float>(),
          s.running_var.data<float>(),
          nullptr,
          nullptr};
}

}  // namespace

void batchnorm_forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                             Tensor& y) {
  SWAG_CHECK(d.rows > 1, "batchnorm: training needs more than one value per channel");
  require_on_device("batchnorm", {&x, &y, &s.save_mean, &s.save_invstd});
  kernels::BatchNormArgs a = args(d, s);
  a.save_mean = s.save_mean.data<float>();
  a.save_invstd = s.save_invstd.data<float>();
  kernels::batchnorm_forward_train(a, x.data<float>(), y.data<float>());
}

void batchnorm_forward_eval(const ops::BatchNormDesc& d, const Tensor& x,
                            const ops::BatchNormState& s, Tensor& y) {
  require_on_device("batchnorm", {&x, &y});
  kernels::batchnorm_forward_eval(args(d, s), x.data<float>(), y.data<float>());
}

void batchnorm_backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  require_on_device("batchnorm", {&x, &dy, &dx, &dgamma, &dbeta, &s.save_mean, &s.save_invstd});
  kernels::BatchNormArgs a = args(d, s);
  a.save_mean = s.save_mean.data<float>();
  a.save_invstd = s.save_invstd.data<float>();
  kernels::batchnorm_backward(a, x.data<float>(), dy.data<float>(), dx.data<float>(),
                              dgamma.data<float>(), dbeta.data<float>());
}

}  // namespace swag::cuda
