#include "swag/core/allocator.hpp"

#include <atomic>
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
Allocator* pinned_allocator = nullptr;

struct ByteCounter {
  std::atomic<std::size_t> in_use{0}, peak{0};
};
ByteCounter counters[2];  // indexed by Device

ByteCounter& counter(Device d) {
  return counters[d == Device::cpu ? 0 : 1];
}

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

Allocator& pinned_host_allocator() {
  return cuda_allocator && pinned_allocator ? *pinned_allocator : host_allocator;
}

void register_pinned_host_allocator(Allocator* a) {
  pinned_allocator = a;
}

std::size_t tensor_bytes_in_use(Device d) {
  return counter(d).in_use.load();
}

std::size_t tensor_bytes_peak(Device d) {
  return counter(d).peak.load();
}

void reset_tensor_bytes_peak(Device d) {
  counter(d).peak.store(counter(d).in_use.load());
}

void count_tensor_bytes(Device d, std::ptrdiff_t delta) {
  ByteCounter& c = counter(d);
  const std::size_t now =
      c.in_use.fetch_add(static_cast<std::size_t>(delta)) + static_cast<std::size_t>(delta);
  std::size_t peak = c.peak.load();
  while (now > peak && !c.peak.compare_exchange_weak(peak, now)) {
  }
}

}  // namespace swag
