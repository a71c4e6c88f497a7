// All parameters in one contiguous fp32 buffer, all gradients in another; a parameter is a named
// view with a weight-decay flag. Optimizers, all-reduce buckets, EMA and checkpoints work on
// slices of the flat buffers. Buffers (BN running statistics) live in a second store without
// gradients. Names are torchvision's state_dict keys (doc/formats.md).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "swag/core/tensor.hpp"

namespace swag::nn {

struct ParameterInfo {
  std::string name;
  Shape shape;
  std::int64_t offset = 0;  // in elements, into the flat buffer
  bool weight_decay = true;
};

class ParameterStore {
 public:
  explicit ParameterStore(bool with_grads) : with_grads_(with_grads) {}

  // Declares a tensor; returns its index. Only before allocate().
  int add(const std::string& name, const Shape& shape, bool weight_decay = true);
  // Allocates the flat buffers (zeroed) and binds every view.
  void allocate(Device device = Device::cpu);
  bool allocated() const { return !values_.empty() || entries_.empty(); }

  const std::vector<ParameterInfo>& entries() const { return entries_; }
  std::int64_t size() const { return total_; }
  int find(const std::string& name) const;  // -1 if absent

  Tensor value(int i) const;
  Tensor grad(int i) const;
  Tensor value(const std::string& name) const;
  Tensor grad(const std::string& name) const;
  Tensor flat_values() const { return flat_values_; }
  Tensor flat_grads() const { return flat_grads_; }

 private:
  bool with_grads_;
  std::vector<ParameterInfo> entries_;
  std::unordered_map<std::string, int> index_;
  std::int64_t total_ = 0;
  Tensor flat_values_, flat_grads_;
  std::vector<Tensor> values_, grads_;
};

}  // namespace swag::nn
