// Batch norm on the GPU: tensor checks here, kernels in batchnorm.cu. The training forward and
// the backward run in two stages (batchnorm_kernels.hpp); with sync BN, the cross-rank sum of
// the per-channel sums runs between them, on the device buffer: the callback must order its
// work on the context stream (dist::sync_batchnorm over NCCL does), as every op here does.
#include "batchnorm_kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"

namespace swag::cuda {
namespace {

// The arguments without the saved batch statistics, which only training uses.
kernels::BatchNormArgs args(const ops::BatchNormDesc& d, const ops::BatchNormState& s) {
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

// With the saved batch statistics, which the training forward writes and the replay and the
// backward read.
kernels::BatchNormArgs saved_args(const ops::BatchNormDesc& d, const ops::BatchNormState& s) {
  require_on_device("batchnorm", {&s.save_mean, &s.save_invstd});
  kernels::BatchNormArgs a = args(d, s);
  a.save_mean = s.save_mean.data<float>();
  a.save_invstd = s.save_invstd.data<float>();
  return a;
}

// Sync BN: sums the 2C + 1 device values (per-channel sums, then the row count) over the ranks.
// Stage two takes up stage one's workspace, so the callback must not have moved it.
void sum_over_ranks(const ops::BatchNormDesc& d, double* sums) {
  if (d.sync == nullptr || !*d.sync) return;
  void* const workspace = context().workspace(0);
  (*d.sync)(sums, 2 * d.channels + 1);
  SWAG_CHECK(context().workspace(0) == workspace,
             "batchnorm: the sync BN sum moved the CUDA workspace that holds the batch sums");
}

}  // namespace

void batchnorm_forward_train(const ops::BatchNormDesc& d, const Tensor& x, ops::BatchNormState& s,
                             Tensor& y) {
  SWAG_CHECK(d.rows > 1, "batchnorm: training needs more than one value per channel");
  require_on_device("batchnorm", {&x, &y});
  const kernels::BatchNormArgs a = saved_args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    double* const sums = kernels::batchnorm_forward_sums(a, x.data<T>());
    sum_over_ranks(d, sums);
    kernels::batchnorm_forward_apply(a, sums, x.data<T>(), y.data<T>());
  });
}

void batchnorm_forward_eval(const ops::BatchNormDesc& d, const Tensor& x,
                            const ops::BatchNormState& s, Tensor& y) {
  require_on_device("batchnorm", {&x, &y});
  const kernels::BatchNormArgs a = args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    kernels::batchnorm_forward_eval(a, x.data<T>(), y.data<T>());
  });
}

void batchnorm_forward_saved(const ops::BatchNormDesc& d, const Tensor& x,
                             const ops::BatchNormState& s, Tensor& y) {
  require_on_device("batchnorm", {&x, &y});
  const kernels::BatchNormArgs a = saved_args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    kernels::batchnorm_forward_saved(a, x.data<T>(), y.data<T>());
  });
}

void batchnorm_backward(const ops::BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const ops::BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  require_on_device("batchnorm", {&x, &dy, &dx, &dgamma, &dbeta});
  const kernels::BatchNormArgs a = saved_args(d, s);
  visit_float_type(x.dtype(), "batchnorm x", [&](auto t) {
    using T = decltype(t);
    double* const sums = kernels::batchnorm_backward_sums(
        a, x.data<T>(), dy.data<T>(), dgamma.data<float>(), dbeta.data<float>());
    sum_over_ranks(d, sums);
    kernels::batchnorm_backward_apply(a, sums, x.data<T>(), dy.data<T>(), dx.data<T>());
  });
}

}  // namespace swag::cuda
