#include "swag/ops/attention.hpp"

#include "swag/backends/cpu/cpu_ops.hpp"
#include "swag/ops/dispatch.hpp"

namespace swag::ops {
namespace {

void check(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs) {
  SWAG_CHECK(d.heads >= 1 && d.dim % d.heads == 0,
             "attention: dim {} is not a multiple of {} heads", d.dim, d.heads);
  expect_shape("attention", "qkv", qkv, {d.batch, d.tokens, 3 * d.dim});
  expect_shape("attention", "probs", probs, {d.batch, d.heads, d.tokens, d.tokens});
  on_cuda("attention", qkv, false);
}

}  // namespace

void attention_forward(const AttentionDesc& d, const Tensor& qkv, Tensor& probs, Tensor& context) {
  check(d, qkv, probs);
  expect_shape("attention", "context", context, {d.batch, d.tokens, d.dim});
  cpu::attention_forward(d, qkv, probs, context);
}

void attention_backward(const AttentionDesc& d, const Tensor& qkv, const Tensor& probs,
                        const Tensor& dcontext, Tensor& dprobs, Tensor& dqkv) {
  check(d, qkv, probs);
  expect_shape("attention", "dcontext", dcontext, {d.batch, d.tokens, d.dim});
  expect_shape("attention", "dprobs", dprobs, probs.shape());
  expect_shape("attention", "dqkv", dqkv, qkv.shape());
  cpu::attention_backward(d, qkv, probs, dcontext, dprobs, dqkv);
}

}  // namespace swag::ops
