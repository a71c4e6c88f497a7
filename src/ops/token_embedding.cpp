#include "swag/ops/token_embedding.hpp"

#include "swag/ops/dispatch.hpp"
#include "swag/ops/dtype_check.hpp"

namespace swag::ops {
namespace {

// Checks the token tensor's shape; returns whether the op runs on CUDA.
bool check_tokens(std::string_view op, const Tensor& t) {
  SWAG_CHECK(t.rank() == 3 && t.dim(1) >= 2, "{}: tokens must be [B, T >= 2, D], got {}", op,
             shape_str(t.shape()));
  return on_cuda(op, t, true);
}

}  // namespace

void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y) {
  const bool gpu = check_tokens("token_embedding", y);
  const std::int64_t b = y.dim(0), t = y.dim(1), d = y.dim(2);
  expect_shape("token_embedding", "patches", patches, {b, t - 1, d});
  expect_shape("token_embedding", "class_token", class_token, {d});
  expect_shape("token_embedding", "pos", pos, {t, d});
  activation_dtype(
      "token_embedding",
      {{"y", &y}, {"patches", &patches}, {"class_token", &class_token}, {"pos", &pos}});
  SWAG_BACKEND_CALL(gpu, token_embedding_forward, patches, class_token, pos, y);
}

void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos) {
  const bool gpu = check_tokens("token_embedding", dy);
  const std::int64_t b = dy.dim(0), t = dy.dim(1), d = dy.dim(2);
  expect_shape("token_embedding", "dpatches", dpatches, {b, t - 1, d});
  expect_shape("token_embedding", "dclass_token", dclass_token, {d});
  expect_shape("token_embedding", "dpos", dpos, {t, d});
  activation_dtype("token_embedding", {{"dy", &dy}, {"dpatches", &dpatches}});
  expect_f32("token_embedding", "dclass_token", dclass_token);
  expect_f32("token_embedding", "dpos", dpos);
  SWAG_BACKEND_CALL(gpu, token_embedding_backward, dy, dpatches, dclass_token, dpos);
}

void class_token_output_forward(const Tensor& x, Tensor& y) {
  const bool gpu = check_tokens("class_token_output", x);
  expect_shape("class_token_output", "y", y, {x.dim(0), x.dim(2)});
  activation_dtype("class_token_output", {{"x", &x}, {"y", &y}});
  SWAG_BACKEND_CALL(gpu, class_token_output_forward, x, y);
}

void class_token_output_backward(const Tensor& dy, Tensor& dx) {
  const bool gpu = check_tokens("class_token_output", dx);
  expect_shape("class_token_output", "dy", dy, {dx.dim(0), dx.dim(2)});
  activation_dtype("class_token_output", {{"dy", &dy}, {"dx", &dx}});
  SWAG_BACKEND_CALL(gpu, class_token_output_backward, dy, dx);
}

}  // namespace swag::ops
