#include "swag/ops/attention.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

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

}  // namespace

void attention_forward(const AttentionDesc& d, const Tensor& qkv, Tensor& probs, Tensor& context) {
  const bool gpu = check(d, qkv, probs);
  expect_shape("attention", "context", context, {d.batch, d.tokens, d.dim});
  // Every tensor of the op is an activation (doc/mixed_precision.md).
  activation_dtype("attention", {{"qkv", &qkv}, {"probs", &probs}, {"context", &context}});
  SWAG_BACKEND_CALL(gpu, attention_forward, d, qkv, probs, context);
}

void attention_backward(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  const bool gpu = check(d, qkv, probs);
  expect_shape("attention", "dcontext", dcontext, {d.batch, d.tokens, d.dim});
  expect_shape("attention", "dprobs", dprobs, probs.shape());
  expect_shape("attention", "dqkv", dqkv, qkv.shape());
  activation_dtype("attention", {{"qkv", &qkv},
                                 {"probs", &probs},
                                 {"dcontext", &dcontext},
                                 {"dprobs", &dprobs},
                                 {"dqkv", &dqkv}});
  SWAG_BACKEND_CALL(gpu, attention_backward, d, qkv, probs, dcontext, dprobs, dqkv);
}

}  // namespace swag::ops
