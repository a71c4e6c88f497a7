#include "swag/ops/attention.hpp"

#include <initializer_list>

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/core/float_types.hpp"
#include "swag/ops/dispatch.hpp"
#ifdef SWAG_WITH_CUDA
#include "swag/backends/cuda/cuda_ops.hpp"
#endif

namespace swag::ops {
namespace {

// Checks the shapes; returns whether the op runs on CUDA.
bool check(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs) {
  SWAG_CHECK(d.heads >= 1 && d.dim % d.heads == 0,
             "attention: dim {} is not a multiple of {} heads", d.dim, d.heads);
  expect_shape("attention", "qkv", qkv, {d.batch, d.tokens, 3 * d.dim});
  expect_shape("attention", "probs", probs, {d.batch, d.heads, d.tokens, d.tokens});
  return on_cuda("attention", qkv, true);
}

// Every tensor of the op is an activation, in qkv's storage type (doc/mixed_precision.md).
void check_types(const Tensor& qkv, std::initializer_list<const Tensor*> others) {
  SWAG_CHECK(is_float_type(qkv.dtype()), "attention: qkv is {}, expected f32, bf16 or f16",
             dtype_name(qkv.dtype()));
  for (const Tensor* t : others)
    SWAG_CHECK(t->dtype() == qkv.dtype(), "attention: a {} tensor of shape {} with {} qkv",
               dtype_name(t->dtype()), shape_str(t->shape()), dtype_name(qkv.dtype()));
}

}  // namespace

void attention_forward(const AttentionDesc& d, const Tensor& qkv, Tensor& probs, Tensor& context) {
  const bool gpu = check(d, qkv, probs);
  expect_shape("attention", "context", context, {d.batch, d.tokens, d.dim});
  check_types(qkv, {&probs, &context});
  SWAG_BACKEND_CALL(gpu, attention_forward, d, qkv, probs, context);
}

void attention_backward(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  const bool gpu = check(d, qkv, probs);
  expect_shape("attention", "dcontext", dcontext, {d.batch, d.tokens, d.dim});
  expect_shape("attention", "dprobs", dprobs, probs.shape());
  expect_shape("attention", "dqkv", dqkv, qkv.shape());
  check_types(qkv, {&probs, &dcontext, &dprobs, &dqkv});
  SWAG_BACKEND_CALL(gpu, attention_backward, d, qkv, probs, dcontext, dprobs, dqkv);
}

}  // namespace swag::ops
