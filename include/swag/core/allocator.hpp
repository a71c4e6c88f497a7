// Allocators per device. The host one hands out 64-byte aligned memory; the CUDA backend
// registers its own at start-up, so core/ never depends on CUDA.
#pragma once
#include <cstddef>

#include "swag/core/dtype.hpp"

namespace swag {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* p, std::size_t bytes) = 0;
  virtual void fill_zero(void* p, std::size_t bytes) = 0;
};

Allocator& allocator_for(Device d);
void register_allocator(Device d, Allocator* a);

}  // namespace swag
