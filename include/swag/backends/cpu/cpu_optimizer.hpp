// CPU kernels of the optimizer updates (Kokkos host execution space).
#pragma once
#include "swag/ops/optimizer_update.hpp"

namespace swag::cpu {

void sgd_update(const ops::SgdUpdate& u, Tensor& param, const Tensor& grad,
                Tensor& momentum_buffer);

}  // namespace swag::cpu
