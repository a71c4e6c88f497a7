#include "swag/ops/optimizer_update.hpp"

#include "swag/ops/dispatch.hpp"

namespace swag::ops {
namespace {

// Two buffers of one size on one device; returns whether they are on the GPU.
bool same(std::string_view op, const Tensor& a, const Tensor& b) {
  SWAG_CHECK(a.numel() == b.numel(), "{}: {} vs {} elements", op, a.numel(), b.numel());
  SWAG_CHECK(a.device() == b.device(), "{}: a {} and a {} tensor", op, device_name(a.device()),
             device_name(b.device()));
  return on_cuda(op, a, true);
}

}  // namespace

void sgd_update(const SgdUpdate& u, Tensor& param, const Tensor& grad, Tensor& momentum_buffer) {
  SWAG_CHECK(param.numel() == grad.numel() && param.numel() == momentum_buffer.numel(),
             "sgd_update: sizes {} {} {}", param.numel(), grad.numel(), momentum_buffer.numel());
  SWAG_BACKEND_CALL(on_cuda("sgd_update", param, true), sgd_update, u, param, grad,
                    momentum_buffer);
}

void adamw_update(const AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m, Tensor& v) {
  SWAG_CHECK(
      param.numel() == grad.numel() && param.numel() == m.numel() && param.numel() == v.numel(),
      "adamw_update: sizes {} {} {} {}", param.numel(), grad.numel(), m.numel(), v.numel());
  SWAG_CHECK(u.step >= 1, "adamw_update: step {} (1-based)", u.step);
  SWAG_BACKEND_CALL(on_cuda("adamw_update", param, true), adamw_update, u, param, grad, m, v);
}

double sum_of_squares(const Tensor& x) {
  return SWAG_BACKEND_CALL(on_cuda("sum_of_squares", x, true), sum_of_squares, x);
}

void scale(Tensor& x, float factor) {
  SWAG_BACKEND_CALL(on_cuda("scale", x, true), scale, x, factor);
}

void ema_update(Tensor& average, const Tensor& current, double weight) {
  const auto keep = static_cast<float>(1.0 - weight), take = static_cast<float>(weight);
  SWAG_BACKEND_CALL(same("ema_update", average, current), ema_update, average, current, keep, take);
}

void swap_values(Tensor& a, Tensor& b) {
  SWAG_BACKEND_CALL(same("swap_values", a, b), swap_values, a, b);
}

}  // namespace swag::ops
