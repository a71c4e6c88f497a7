// fp32 stand-ins for the 16-bit tensors of the GEMM-like ops (doc/mixed_precision.md): each bf16
// or f16 input is widened (exactly) into fp32 scratch, the op's fp32 path runs on the stand-ins,
// and each 16-bit output is rounded once from its stand-in (core/float16.hpp, as the GPU rounds).
// An f32 tensor stands for itself, so with S = f32 the fp32 path runs on the caller's tensors,
// bit for bit as before. The scratch buffers belong to the calling thread and only grow, so a
// step loop allocates them during its first step only.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/error.hpp"
#include "swag/core/float_types.hpp"
#include "swag/core/tensor.hpp"

namespace swag::cpu {

class Fp32Staging {
 public:
  // `op` names the op in errors.
  explicit Fp32Staging(const char* op) : op_(op) {
    // One staging per thread at a time: the scratch slots are the thread's.
    SWAG_CHECK(!busy(), "{}: fp32 staging is already in use on this thread", op);
    busy() = true;
  }
  ~Fp32Staging() { busy() = false; }
  Fp32Staging(const Fp32Staging&) = delete;
  Fp32Staging& operator=(const Fp32Staging&) = delete;

  // t itself when it is f32, else an f32 tensor holding its values.
  const Tensor& in(const Tensor& t) {
    if (t.dtype() == DType::f32) return t;
    Tensor& f = stand_in(t, nullptr);
    convert(t, f);
    return f;
  }
  const Tensor* in(const Tensor* t) { return t ? &in(*t) : nullptr; }

  // t itself when it is f32, else an f32 tensor of its shape that store() rounds into t.
  Tensor& out(Tensor& t) { return t.dtype() == DType::f32 ? t : stand_in(t, &t); }
  Tensor* out(Tensor* t) { return t ? &out(*t) : nullptr; }

  // Rounds each 16-bit output once from its stand-in.
  void store() {
    for (int i = 0; i < used_; ++i)
      if (targets_[i]) convert(stand_ins_[i], *targets_[i]);
  }

 private:
  static constexpr int kSlots = 8;

  static bool& busy() {
    thread_local bool b = false;
    return b;
  }
  static std::array<std::vector<float>, kSlots>& scratch() {
    thread_local std::array<std::vector<float>, kSlots> s;
    return s;
  }

  // An f32 view of the next scratch slot, shaped like t (a float tensor).
  Tensor& stand_in(const Tensor& t, Tensor* target) {
    SWAG_CHECK(is_float_type(t.dtype()), "{}: expected f32, bf16 or f16, got {}", op_,
               dtype_name(t.dtype()));
    SWAG_CHECK(used_ < kSlots, "{}: more than {} 16-bit tensors to stage", op_, kSlots);
    std::vector<float>& buffer = scratch()[used_];
    if (buffer.size() < static_cast<std::size_t>(t.numel()))
      buffer.resize(static_cast<std::size_t>(t.numel()));
    stand_ins_[used_] = Tensor::view(buffer.data(), t.shape());
    targets_[used_] = target;
    return stand_ins_[used_++];
  }

  const char* op_;
  std::array<Tensor, kSlots> stand_ins_;
  std::array<Tensor*, kSlots> targets_{};
  int used_ = 0;
};

}  // namespace swag::cpu
