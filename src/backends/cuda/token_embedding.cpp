// Token embedding, the class token's output row and the NCHW -> NHWC conversion on the GPU:
// tensor checks here, kernels in token_embedding.cu and layout.cu.
#include "op_support.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/float_types.hpp"
#include "token_kernels.hpp"

namespace swag::cuda {

void token_embedding_forward(const Tensor& patches, const Tensor& class_token, const Tensor& pos,
                             Tensor& y) {
  require_on_device("token_embedding", {&patches, &class_token, &pos, &y});
  visit_float_type(y.dtype(), "token_embedding_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::token_embedding_forward(patches.data<T>(), class_token.data<T>(), pos.data<T>(),
                                     y.data<T>(), y.dim(0), y.dim(1), y.dim(2));
  });
}

void token_embedding_backward(const Tensor& dy, Tensor& dpatches, Tensor& dclass_token,
                              Tensor& dpos) {
  require_on_device("token_embedding", {&dy, &dpatches, &dclass_token, &dpos});
  visit_float_type(dy.dtype(), "token_embedding_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::token_embedding_backward(dy.data<T>(), dpatches.data<T>(), dclass_token.data<float>(),
                                      dpos.data<float>(), dy.dim(0), dy.dim(1), dy.dim(2));
  });
}

void class_token_output_forward(const Tensor& x, Tensor& y) {
  require_on_device("class_token_output", {&x, &y});
  visit_float_type(x.dtype(), "class_token_output_forward", [&](auto tag) {
    using T = decltype(tag);
    kernels::class_token_output_forward(x.data<T>(), y.data<T>(), x.dim(0), x.dim(1), x.dim(2));
  });
}

void class_token_output_backward(const Tensor& dy, Tensor& dx) {
  require_on_device("class_token_output", {&dy, &dx});
  visit_float_type(dx.dtype(), "class_token_output_backward", [&](auto tag) {
    using T = decltype(tag);
    kernels::class_token_output_backward(dy.data<T>(), dx.data<T>(), dx.dim(0), dx.dim(1),
                                         dx.dim(2));
  });
}

void nchw_to_nhwc(const Tensor& x, Tensor& y) {
  require_on_device("nchw_to_nhwc", {&x, &y});
  kernels::nchw_to_nhwc(x.data<float>(), y.data<float>(), x.dim(0), x.dim(1), x.dim(2) * x.dim(3));
}

}  // namespace swag::cuda
