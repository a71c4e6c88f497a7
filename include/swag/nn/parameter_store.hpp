// All parameters in one contiguous fp32 buffer, all gradients in another; a parameter is a named
// view with a weight-decay flag. With 16-bit activations a third flat buffer holds the compute
// copy of the values in that type, which the GEMM-like ops read (doc/mixed_precision.md).
// Optimizers, all-reduce buckets, EMA and checkpoints work on slices of the flat buffers. Buffers
// (BN running statistics) live in a second store without gradients. Names are torchvision's
// state_dict keys (doc/formats.md).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "swag/core/tensor.hpp"

namespace swag::nn {

// How a tensor is initialized (torchvision's rules are expressed in these terms).
struct Init {
  enum class Kind {
    constant,
    normal,
    uniform,
    truncated_normal,      // N(0, a) redrawn outside +-2 a
    truncated_normal_abs,  // N(0, a) redrawn outside +-b: torch.nn.init.trunc_normal_(std=a)
  } kind = Kind::constant;
  float a = 0.0f;  // constant value, normal/truncated std, uniform bound (+-a)
  float b = 0.0f;  // truncated_normal_abs: the bound, in the tensor's units
  static Init constant_value(float v) { return {Kind::constant, v}; }
  static Init normal(float std) { return {Kind::normal, std}; }
  static Init uniform(float bound) { return {Kind::uniform, bound}; }
  static Init truncated_normal(float std) { return {Kind::truncated_normal, std}; }
  // torch.nn.init.trunc_normal_(std=std, a=-bound, b=bound); PyTorch's default bound is 2.
  static Init truncated_normal_abs(float std, float bound = 2.0f) {
    return {Kind::truncated_normal_abs, std, bound};
  }
  // torch.nn.init.xavier_uniform_: U(+-sqrt(6 / (fan_in + fan_out))).
  static Init xavier_uniform(std::int64_t fan_in, std::int64_t fan_out);
};

struct ParameterInfo {
  std::string name;
  Shape shape;
  std::int64_t offset = 0;  // in elements, into the flat buffer
  bool weight_decay = true;
  Init init;
};

class ParameterStore {
 public:
  explicit ParameterStore(bool with_grads) : with_grads_(with_grads) {}

  // Declares a tensor; returns its index. Only before allocate().
  int add(const std::string& name, const Shape& shape, Init init, bool weight_decay = true);
  // Fills every tensor by its Init rule; tensor i draws from the stream (seed, i), so values do
  // not depend on declaration order elsewhere in the model.
  void initialize(std::uint64_t seed);
  // Allocates the flat buffers (zeroed) and binds every view; `compute` is the type of the
  // compute copy (f32: none, compute_value is value).
  void allocate(Device device = Device::cpu, DType compute = DType::f32);
  bool allocated() const { return !values_.empty() || entries_.empty(); }

  const std::vector<ParameterInfo>& entries() const { return entries_; }
  std::int64_t size() const { return total_; }  // flat buffer length (with alignment padding)
  std::int64_t count() const;                   // elements of all tensors
  int find(const std::string& name) const;      // -1 if absent

  Tensor value(int i) const;
  Tensor grad(int i) const;
  // The value as the GEMM-like ops read it: the compute copy, as of the last refresh.
  Tensor compute_value(int i) const;
  // Converts the fp32 values into the compute copy (nothing without one).
  void refresh_compute_copy();
  Tensor value(const std::string& name) const;
  Tensor grad(const std::string& name) const;
  Tensor flat_values() const { return flat_values_; }
  Tensor flat_grads() const { return flat_grads_; }
  std::size_t compute_copy_bytes() const {
    return flat_compute_.defined() ? flat_compute_.nbytes() : 0;
  }

 private:
  bool with_grads_;
  std::vector<ParameterInfo> entries_;
  std::unordered_map<std::string, int> index_;
  std::int64_t total_ = 0;
  Tensor flat_values_, flat_grads_, flat_compute_;
  std::vector<Tensor> values_, grads_, compute_;  // compute_: only with a compute copy
};

}  // namespace swag::nn
