// Optimizer updates on the GPU: tensor checks here, kernels in optimizer_update.cu.
#include <cmath>

#include "op_support.hpp"
#include "optimizer_kernels.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer) {
  require_on_device("sgd_update", {&param, &grad, &momentum_buffer});
  const kernels::SgdArgs a{u.lr, u.momentum, u.weight_decay, u.nesterov, u.first_step};
  kernels::sgd_update(a, param.data<float>(), grad.data<float>(), momentum_buffer.data<float>(),
                      param.numel());
}

void adamw_update(const ops::AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m,
                  Tensor& v) {
  require_on_device("adamw_update", {&param, &grad, &m, &v});
  // The bias corrections as the CPU backend computes them (double, then rounded to float).
  const auto t = static_cast<double>(u.step);
  const float correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(u.beta1), t));
  const float root_correction2 =
      static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(u.beta2), t)));
  const kernels::AdamWArgs a{u.lr,           u.beta1,     u.beta2,         u.eps,
                             u.weight_decay, correction1, root_correction2};
  kernels::adamw_update(a, param.data<float>(), grad.data<float>(), m.data<float>(),
                        v.data<float>(), param.numel());
}

double sum_of_squares(const Tensor& x) {
  require_on_device("sum_of_squares", {&x});
  return kernels::sum_of_squares(x.data<float>(), x.numel());
}

void ema_update(Tensor& average, const Tensor& current, float keep, float take) {
  require_on_device("ema_update", {&average, &current});
  kernels::ema_update(average.data<float>(), current.data<float>(), keep, take, average.numel());
}

void swap_values(Tensor& a, Tensor& b) {
  require_on_device("swap_values", {&a, &b});
  kernels::swap_values(a.data<float>(), b.data<float>(), a.numel());
}

}  // namespace swag::cuda
