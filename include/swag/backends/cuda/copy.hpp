// Copies between host and device tensors, ordered on the context's stream.
#pragma once
#include "swag/core/tensor.hpp"

namespace swag::cuda {

// dst = src for tensors of the same shape and dtype on any pair of devices. When dst is on the
// host, returns once the data has arrived.
void copy(const Tensor& src, Tensor& dst);
Tensor to_device(const Tensor& t);
Tensor to_host(const Tensor& t);

}  // namespace swag::cuda
