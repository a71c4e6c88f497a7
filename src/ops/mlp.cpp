#include "swag/ops/mlp.hpp"

#include "swag/ops/elementwise.hpp"
#include "swag/ops/linear.hpp"

namespace swag::ops {
namespace {

LinearDesc fc1(const MlpDesc& d) {
  return {d.rows, d.features, d.hidden, true};
}
LinearDesc fc2(const MlpDesc& d) {
  return {d.rows, d.hidden, d.features, true};
}

}  // namespace

MlpCache MlpCache::allocate(const MlpDesc& d, Device device, DType dtype) {
  auto make = [&] { return Tensor::empty({d.rows, d.hidden}, dtype, device); };
  return {make(), make(), make()};
}

void mlp_forward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, MlpCache& c, Tensor& y) {
  linear_forward(fc1(d), x, w.w1, &w.b1, c.pre);
  gelu_forward(c.pre, c.act);
  linear_forward(fc2(d), c.act, w.w2, &w.b2, y);
}

void mlp_backward(const MlpDesc& d, const Tensor& x, const MlpWeights& w, const MlpCache& c,
                  const Tensor& dy, Tensor& dx, MlpWeights& g) {
  Tensor dact = c.dact;  // scratch, shared with the caller's cache
  linear_backward(fc2(d), c.act, w.w2, dy, &dact, g.w2, &g.b2);
  gelu_backward(c.pre, dact, dact);
  linear_backward(fc1(d), x, w.w1, dact, &dx, g.w1, &g.b1);
}

}  // namespace swag::ops
