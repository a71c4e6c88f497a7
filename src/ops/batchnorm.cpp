#include "swag/ops/batchnorm.hpp"

#include "dtype_check.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/cuda_ops.hpp"
#endif

namespace swag::ops {
namespace {

void check(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s) {
  SWAG_CHECK(x.numel() == d.rows * d.channels, "batchnorm: x has {} elements, expected {}x{}",
             x.numel(), d.rows, d.channels);
  for (const Tensor* t : {&s.gamma, &s.beta, &s.running_mean, &s.running_var})
    expect_shape("batchnorm", "per-channel tensor", *t, {d.channels});
}

// The batch statistics that training saves and the replay reads.
void check_saved(const BatchNormDesc& d, const BatchNormState& s) {
  expect_shape("batchnorm", "save_mean", s.save_mean, {d.channels});
  expect_shape("batchnorm", "save_invstd", s.save_invstd, {d.channels});
}

}  // namespace

void batchnorm_forward_train(const BatchNormDesc& d, const Tensor& x, BatchNormState& s,
                             Tensor& y) {
  check(d, x, s);
  check_saved(d, s);
  activation_dtype("batchnorm", {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_forward_train, d, x, s, y);
}

void batchnorm_forward_eval(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s,
                            Tensor& y) {
  check(d, x, s);
  activation_dtype("batchnorm", {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_forward_eval, d, x, s, y);
}

void batchnorm_forward_saved(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s,
                             Tensor& y) {
  check(d, x, s);
  check_saved(d, s);
  activation_dtype("batchnorm", {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_forward_saved, d, x, s, y);
}

void batchnorm_backward(const BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  check(d, x, s);
  activation_dtype("batchnorm", {{"x", &x}, {"dy", &dy}, {"dx", &dx}});
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_backward, d, x, dy, s, dx, dgamma,
                    dbeta);
}

}  // namespace swag::ops
