#include "swag/core/tensor.hpp"

#include <fmt/ranges.h>

#include <cstdint>

#include "swag/core/allocator.hpp"

namespace swag {

std::int64_t shape_numel(const Shape& s) {
  // checked: shapes can come from files (a weights file's num_classes), and a wrapped product
  // would make a small buffer that later writes run past
  std::int64_t n = 1;
  for (auto d : s)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      fail(ExitCode::input, "tensor shape {} has a negative size or more than 2^63 elements",
           shape_str(s));
  return n;
}

std::string shape_str(const Shape& s) {
  return fmt::format("[{}]", fmt::join(s, ", "));
}

Tensor Tensor::empty(Shape shape, DType dtype, Device device) {
  return allocate(std::move(shape), dtype, device, allocator_for(device));
}

Tensor Tensor::empty_pinned(Shape shape, DType dtype) {
  return allocate(std::move(shape), dtype, Device::cpu, pinned_host_allocator());
}

Tensor Tensor::allocate(Shape shape, DType dtype, Device device, Allocator& a) {
  for (auto d : shape) SWAG_CHECK(d >= 0, "negative dimension in {}", shape_str(shape));
  Tensor t;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  t.device_ = device;
  if (static_cast<std::uint64_t>(t.numel()) > SIZE_MAX / dtype_size(dtype))
    fail(ExitCode::input, "tensor shape {} needs more bytes than an address space holds",
         shape_str(t.shape_));
  const std::size_t bytes = t.nbytes();
  void* p = a.allocate(bytes);
  count_tensor_bytes(device, static_cast<std::ptrdiff_t>(bytes));
  t.storage_ = std::shared_ptr<void>(p, [&a, bytes, device](void* q) {
    a.deallocate(q, bytes);
    count_tensor_bytes(device, -static_cast<std::ptrdiff_t>(bytes));
  });
  t.data_ = p;
  return t;
}

Tensor Tensor::zeros(Shape shape, DType dtype, Device device) {
  Tensor t = empty(std::move(shape), dtype, device);
  t.zero();
  return t;
}

Tensor Tensor::view(void* data, Shape shape, DType dtype, Device device) {
  Tensor t;
  t.data_ = data;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  t.device_ = device;
  return t;
}

Tensor Tensor::reshape(Shape shape) const {
  SWAG_CHECK(shape_numel(shape) == numel(), "reshape {} to {}", shape_str(shape_),
             shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::slice_rows(std::int64_t begin, std::int64_t end) const {
  SWAG_CHECK(rank() >= 1 && 0 <= begin && begin <= end && end <= shape_[0], "slice [{}, {}) of {}",
             begin, end, shape_str(shape_));
  Tensor t = *this;
  const std::int64_t row = shape_[0] == 0 ? 0 : numel() / shape_[0];
  t.data_ = static_cast<char*>(data_) + begin * row * static_cast<std::int64_t>(dtype_size(dtype_));
  t.shape_[0] = end - begin;
  return t;
}

void Tensor::zero() {
  allocator_for(device_).fill_zero(data_, nbytes());
}

}  // namespace swag
