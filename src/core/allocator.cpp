#include "swag/core/allocator.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "swag/core/error.hpp"

namespace swag {
namespace {

class HostAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes) override {
    constexpr std::size_t align = 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
    if (!p) fail(ExitCode::failure, "out of host memory allocating {} bytes", bytes);
    return p;
  }
  void deallocate(void* p, std::size_t) override { std::free(p); }
  void fill_zero(void* p, std::size_t bytes) override { std::memset(p, 0, bytes); }
};

HostAllocator host_allocator;
Allocator* cuda_allocator = nullptr;

}  // namespace

Allocator& allocator_for(Device d) {
  if (d == Device::cpu) return host_allocator;
  if (!cuda_allocator)
    fail(ExitCode::usage, "this swag was built without CUDA (use the 'cuda' preset)");
  return *cuda_allocator;
}

void register_allocator(Device d, Allocator* a) {
  SWAG_CHECK(d == Device::cuda, "only the CUDA allocator can be registered");
  cuda_allocator = a;
}

}  // namespace swag
