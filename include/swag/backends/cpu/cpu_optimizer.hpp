// CPU kernels of the optimizer updates and gradient norms (Kokkos host execution space).
#pragma once
#include "swag/ops/optimizer_update.hpp"

namespace swag::cpu {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer);
void adamw_update(const ops::AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m,
                  Tensor& v);
double sum_of_squares(const Tensor& x);
void scale(Tensor& x, float factor);
void ema_update(Tensor& average, const Tensor& current, float keep, float take);
void swap_values(Tensor& a, Tensor& b);

}  // namespace swag::cpu
