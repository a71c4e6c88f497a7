// Tensor: a shape, an element type, a device and a pointer, owning its storage or viewing
// someone else's (a slice of the parameter buffer, say). Dense and row-major; the meaning of
// the axes (NHWC activations, OIHW weights) is the op's contract, not the tensor's.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "swag/core/dtype.hpp"
#include "swag/core/error.hpp"

namespace swag {

using Shape = std::vector<std::int64_t>;

std::int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);

class Allocator;

class Tensor {
 public:
  Tensor() = default;
  static Tensor empty(Shape shape, DType dtype = DType::f32, Device device = Device::cpu);
  static Tensor zeros(Shape shape, DType dtype = DType::f32, Device device = Device::cpu);
  // A host tensor in page-locked memory when a GPU runtime lives (core/allocator.hpp), which
  // copies to the GPU asynchronously; plain host memory otherwise.
  static Tensor empty_pinned(Shape shape, DType dtype = DType::f32);
  // A non-owning view of memory that outlives the tensor.
  static Tensor view(void* data, Shape shape, DType dtype = DType::f32,
                     Device device = Device::cpu);

  bool defined() const { return data_ != nullptr || numel() == 0; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int i) const { return shape_.at(i < 0 ? shape_.size() + i : i); }
  std::int64_t numel() const { return shape_numel(shape_); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  void* raw() const { return data_; }

  template <class T>
  T* data() const {
    SWAG_CHECK(dtype_of<T>() == dtype_, "tensor of {} read as {}", dtype_name(dtype_),
               dtype_name(dtype_of<T>()));
    return static_cast<T*>(data_);
  }

  // Same storage, new shape with the same number of elements.
  Tensor reshape(Shape shape) const;
  // Rows [begin, end) along the first axis, sharing storage.
  Tensor slice_rows(std::int64_t begin, std::int64_t end) const;
  void zero();

 private:
  static Tensor allocate(Shape shape, DType dtype, Device device, Allocator& a);
  std::shared_ptr<void> storage_;
  void* data_ = nullptr;
  Shape shape_;
  DType dtype_ = DType::f32;
  Device device_ = Device::cpu;
};

}  // namespace swag
