// CUDA kernels of the optimizer updates, the gradient norm and the weight EMA (the counterpart of
// cpu_optimizer.hpp). Every tensor argument must live on the GPU; the work is queued on the
// context stream, except sum_of_squares, which returns a host value and so waits for it.
#pragma once
#include "swag/ops/optimizer_update.hpp"

namespace swag::cuda {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer);
void adamw_update(const ops::AdamWUpdate& u, Tensor& param, const Tensor& grad, Tensor& m,
                  Tensor& v);
double sum_of_squares(const Tensor& x);
void ema_update(Tensor& average, const Tensor& current, float keep, float take);
void swap_values(Tensor& a, Tensor& b);

}  // namespace swag::cuda
