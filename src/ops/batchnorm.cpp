#include "swag/ops/batchnorm.hpp"

#include <initializer_list>

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {
namespace {

// Every activation argument is rows x channels; the parameters and running statistics are per
// channel. (A short tensor would be read or written past its end by the backends.)
void check(const BatchNormDesc& d, const BatchNormState& s,
           std::initializer_list<NamedTensor> activations) {
  SWAG_CHECK(d.channels > 0 && d.rows > 0, "batchnorm: {} rows of {} channels", d.rows, d.channels);
  for (const NamedTensor& a : activations)
    SWAG_CHECK(a.tensor->numel() == d.rows * d.channels,
               "batchnorm: {} has {} elements, expected {}x{}", a.name, a.tensor->numel(), d.rows,
               d.channels);
  for (const Tensor* t : {&s.gamma, &s.beta, &s.running_mean, &s.running_var})
    expect_shape("batchnorm", "per-channel tensor", *t, {d.channels});
  activation_dtype("batchnorm", activations);
}

// The batch statistics that training saves and the replay and the backward read.
void check_saved(const BatchNormDesc& d, const BatchNormState& s) {
  expect_shape("batchnorm", "save_mean", s.save_mean, {d.channels});
  expect_shape("batchnorm", "save_invstd", s.save_invstd, {d.channels});
}

}  // namespace

void batchnorm_forward_train(const BatchNormDesc& d, const Tensor& x, BatchNormState& s,
                             Tensor& y) {
  check(d, s, {{"x", &x}, {"y", &y}});
  check_saved(d, s);
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_forward_train, d, x, s, y);
}

void batchnorm_forward_eval(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s,
                            Tensor& y) {
  check(d, s, {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_forward_eval, d, x, s, y);
}

void batchnorm_forward_saved(const BatchNormDesc& d, const Tensor& x, const BatchNormState& s,
                             Tensor& y) {
  check(d, s, {{"x", &x}, {"y", &y}});
  check_saved(d, s);
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_forward_saved, d, x, s, y);
}

void batchnorm_backward(const BatchNormDesc& d, const Tensor& x, const Tensor& dy,
                        const BatchNormState& s, Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  check(d, s, {{"x", &x}, {"dy", &dy}, {"dx", &dx}});
  check_saved(d, s);
  expect_shape("batchnorm", "dgamma", dgamma, {d.channels});
  expect_shape("batchnorm", "dbeta", dbeta, {d.channels});
  expect_f32("batchnorm", "dgamma", dgamma);
  expect_f32("batchnorm", "dbeta", dbeta);
  SWAG_BACKEND_CALL(on_cuda("batchnorm", x, true), batchnorm_backward, d, x, dy, s, dx, dgamma,
                    dbeta);
}

}  // namespace swag::ops
