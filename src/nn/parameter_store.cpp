#include "swag/nn/parameter_store.hpp"

#include <cmath>

#include "swag/core/rng.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/device.hpp"

namespace swag::nn {
namespace {
// Each tensor starts on a 64-byte boundary, so vectorized kernels see aligned slices.
constexpr std::int64_t kAlignElements = 16;

// Parameter e's view of a flat buffer, sharing its storage.
Tensor view_of(const Tensor& flat, const ParameterInfo& e) {
  return flat.slice_rows(e.offset, e.offset + shape_numel(e.shape)).reshape(e.shape);
}
}  // namespace

Init Init::xavier_uniform(std::int64_t fan_in, std::int64_t fan_out) {
  return uniform(std::sqrt(6.0f / static_cast<float>(fan_in + fan_out)));
}

int ParameterStore::add(const std::string& name, const Shape& shape, Init init, bool weight_decay) {
  SWAG_CHECK(values_.empty(), "parameter '{}' declared after allocation", name);
  SWAG_CHECK(!index_.contains(name), "parameter '{}' declared twice", name);
  const int i = static_cast<int>(entries_.size());
  entries_.push_back({name, shape, total_, weight_decay, init});
  index_[name] = i;
  const std::int64_t padded =
      (shape_numel(shape) + kAlignElements - 1) / kAlignElements * kAlignElements;
  if (padded < 0 || __builtin_add_overflow(total_, padded, &total_))
    fail(ExitCode::input, "parameter '{}' of shape {} makes the model too large", name,
         shape_str(shape));
  return i;
}

void ParameterStore::allocate(Device device, DType compute) {
  SWAG_CHECK(values_.empty(), "parameter store allocated twice");
  flat_values_ = Tensor::zeros({total_}, DType::f32, device);
  if (with_grads_) flat_grads_ = Tensor::zeros({total_}, DType::f32, device);
  if (compute != DType::f32) flat_compute_ = Tensor::zeros({total_}, compute, device);
  for (const auto& e : entries_) {
    values_.push_back(view_of(flat_values_, e));
    if (with_grads_) grads_.push_back(view_of(flat_grads_, e));
    if (flat_compute_.defined()) compute_.push_back(view_of(flat_compute_, e));
  }
}

void ParameterStore::refresh_compute_copy() {
  if (flat_compute_.defined()) ops::convert(flat_values_, flat_compute_);
}

std::int64_t ParameterStore::count() const {
  std::int64_t n = 0;
  for (const auto& e : entries_) n += shape_numel(e.shape);
  return n;
}

void ParameterStore::initialize(std::uint64_t seed) {
  // The random draws are made on the host, so a model starts from the same weights on any device.
  const bool on_host = flat_values_.device() == Device::cpu;
  Tensor host = on_host ? flat_values_ : Tensor::zeros({total_});
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Init& init = entries_[i].init;
    float* p = host.data<float>() + entries_[i].offset;
    const std::int64_t n = shape_numel(entries_[i].shape);
    Rng rng(seed, i);
    for (std::int64_t j = 0; j < n; ++j) {
      switch (init.kind) {
        case Init::Kind::constant: p[j] = init.a; break;
        case Init::Kind::normal: p[j] = init.a * rng.normal(); break;
        case Init::Kind::uniform: p[j] = rng.uniform(-init.a, init.a); break;
        case Init::Kind::truncated_normal: p[j] = init.a * rng.truncated_normal(-2.0f, 2.0f); break;
        case Init::Kind::truncated_normal_abs:
          p[j] = init.a * rng.truncated_normal(-init.b / init.a, init.b / init.a);
          break;
      }
    }
  }
  if (!on_host) ops::copy(host, flat_values_);
}

int ParameterStore::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

Tensor ParameterStore::value(int i) const {
  SWAG_CHECK(i >= 0 && i < static_cast<int>(values_.size()), "parameter index {} (allocated?)", i);
  return values_[i];
}

Tensor ParameterStore::compute_value(int i) const {
  if (!flat_compute_.defined()) return value(i);
  SWAG_CHECK(i >= 0 && i < static_cast<int>(compute_.size()), "parameter index {} (allocated?)", i);
  return compute_[i];
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
