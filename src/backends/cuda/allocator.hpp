// The device-memory allocator that swag::cuda::Runtime registers for Device::cuda.
#pragma once
#include "swag/core/allocator.hpp"

namespace swag::cuda {

Allocator& device_allocator();

}  // namespace swag::cuda
