// The device-memory allocator that swag::cuda::Runtime registers for Device::cuda. The
// page-locked host allocator (allocator.cpp) registers itself with core at start-up.
#pragma once
#include "swag/core/allocator.hpp"

namespace swag::cuda {

Allocator& device_allocator();

}  // namespace swag::cuda
