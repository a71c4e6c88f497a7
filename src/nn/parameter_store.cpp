#include "swag/nn/parameter_store.hpp"

namespace swag::nn {
namespace {
// Each tensor starts on a 64-byte boundary, so vectorized kernels see aligned slices.
constexpr std::int64_t kAlignElements = 16;
}  // namespace

int ParameterStore::add(const std::string& name, const Shape& shape, bool weight_decay) {
  SWAG_CHECK(values_.empty(), "parameter '{}' declared after allocation", name);
  SWAG_CHECK(!index_.contains(name), "parameter '{}' declared twice", name);
  const int i = static_cast<int>(entries_.size());
  entries_.push_back({name, shape, total_, weight_decay});
  index_[name] = i;
  total_ += (shape_numel(shape) + kAlignElements - 1) / kAlignElements * kAlignElements;
  return i;
}

void ParameterStore::allocate(Device device) {
  SWAG_CHECK(values_.empty(), "parameter store allocated twice");
  flat_values_ = Tensor::zeros({total_}, DType::f32, device);
  if (with_grads_) flat_grads_ = Tensor::zeros({total_}, DType::f32, device);
  for (const auto& e : entries_) {
    values_.push_back(Tensor::view(flat_values_.data<float>() + e.offset, e.shape, DType::f32, device));
    if (with_grads_)
      grads_.push_back(Tensor::view(flat_grads_.data<float>() + e.offset, e.shape, DType::f32, device));
  }
}

int ParameterStore::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

Tensor ParameterStore::value(int i) const {
  SWAG_CHECK(i >= 0 && i < static_cast<int>(values_.size()), "parameter index {} (allocated?)", i);
  return values_[i];
}

Tensor ParameterStore::grad(int i) const {
  SWAG_CHECK(with_grads_ && i >= 0 && i < static_cast<int>(grads_.size()), "gradient index {}", i);
  return grads_[i];
}

Tensor ParameterStore::value(const std::string& name) const {
  const int i = find(name);
  SWAG_CHECK(i >= 0, "no parameter '{}'", name);
  return value(i);
}

Tensor ParameterStore::grad(const std::string& name) const {
  const int i = find(name);
  SWAG_CHECK(i >= 0, "no parameter '{}'", name);
  return grad(i);
}

}  // namespace swag::nn
