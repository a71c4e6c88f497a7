// CUDA implementations (cuDNN convolutions, cuBLASLt GEMMs). Compiled in the `cuda` preset only.
// The engine issue scaffolds convolution and linear; the rest of the ops arrive with full GPU
// training, and until then the dispatcher names the op that has no CUDA kernel.
#pragma once
#include "swag/ops/conv2d.hpp"
#include "swag/ops/linear.hpp"

namespace swag::cuda {

void conv2d_forward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
void conv2d_backward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);
void linear_forward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y);
void linear_backward(const ops::LinearDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db);

}  // namespace swag::cuda
