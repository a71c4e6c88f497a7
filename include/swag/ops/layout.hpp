// Conversions between PyTorch's NCHW image layout (files) and the engine's NHWC (memory).
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::ops {

void nchw_to_nhwc(const Tensor& x, Tensor& y);  // [N, C, H, W] -> [N, H, W, C]

}  // namespace swag::ops
