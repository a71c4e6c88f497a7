// 2-D convolution through cuDNN's convolution API.
//
// Layouts: activations are NHWC. cuDNN's NHWC kernels expect the filter in the same layout
// (KRSC = OHWI), as PyTorch and TensorFlow give it for channels-last data, so OIHW weights are
// transposed (cudnnTransformTensor) into the workspace before use and weight gradients
// transposed back. For 1x1 kernels, or one input channel per group, OIHW and OHWI are the same
// bytes and no transpose happens.
//
// Numerics: only deterministic algorithms, so that a resumed run repeats an uninterrupted one,
// in the context's math mode (swag/ops/math_mode.hpp):
//   fp32  CUDNN_FMA_MATH: fp32 products on CUDA cores (the default math type would let cuDNN use
//         TF32 tensor cores on Ampere and later)
//   tf32  CUDNN_TENSOR_OP_MATH: for fp32 data, TF32 tensor cores (10-bit mantissa products, fp32
//         accumulation)
//   bf16  the same as tf32. cuDNN 9's legacy API has no bf16 conversion for fp32 data: its other
//         tensor-op math type, CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION, down-converts fp32 to IEEE
//         half (the header only names it; what it does is in NVIDIA's cudnnMathType_t docs), whose
//         range (6e-5 to 65504) would need loss scaling; TF32 keeps fp32's exponent range.
// Each pass takes the first deterministic tensor-op algorithm cuDNN ranks for it, or, for a
// shape without one (depthwise, few channels per group), a CUDA-core one (pick, below), and runs
// with its convolution descriptor at that algorithm's math type, as cuDNN asks. Plans are cached
// per shape and math mode.
#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"

namespace swag::cuda {
namespace {

std::string describe(const ops::Conv2dDesc& d) {
  return fmt::format("N={} C={}->{} HxW={}x{} kernel={} stride={} padding={} groups={}", d.batch,
                     d.in_channels, d.out_channels, d.height, d.width, d.kernel, d.stride,
                     d.padding, d.groups);
}

// Everything cuDNN needs for one convolution shape and math mode, built on first use. Each pass
// has its own convolution descriptor, left at the math type of the algorithm chosen for it.
struct Plan {
  TensorDescriptor x, y, bias;
  TensorDescriptor oihw, ohwi;  // the weights as plain tensors, for the layout transforms
  FilterDescriptor w;
  ConvolutionDescriptor conv_forward, conv_data, conv_filter;
  cudnnConvolutionFwdAlgoPerf_t forward{};
  cudnnConvolutionBwdDataAlgoPerf_t backward_data{};
  cudnnConvolutionBwdFilterAlgoPerf_t backward_filter{};
  bool transpose = false;  // weights need OIHW <-> OHWI
};

// cudnnGet*_v7 ranks the algorithms by cuDNN's heuristics, without running them: the choice
// is the same in every run on the same GPU and cuDNN, unlike timing-based cudnnFind*.
// `query(conv, results, &count)` asks it for one pass with the convolution descriptor `conv`.
// fp32 asks with CUDNN_FMA_MATH and takes the first deterministic FMA algorithm. tf32 and bf16
// ask with CUDNN_TENSOR_OP_MATH and take the first deterministic tensor-op algorithm (else a
// default-math one, which for fp32 data may use TF32 too, else an FMA one); when there is none
// at all, they ask again as fp32 does, so that such a shape computes exactly as in fp32 mode.
// The descriptor is left at the chosen algorithm's math type, as cuDNN asks.
template <class Perf, int kCount, class Query>
Perf pick(const Query& query, cudnnConvolutionDescriptor_t conv, Math math, const char* pass,
          const ops::Conv2dDesc& d) {
  Perf results[kCount];
  int count = 0;
  const auto first = [&](cudnnMathType_t type) -> const Perf* {
    for (int i = 0; i < count; ++i)
      if (results[i].status == CUDNN_STATUS_SUCCESS &&
          results[i].determinism == CUDNN_DETERMINISTIC && results[i].mathType == type)
        return &results[i];
    return nullptr;
  };
  const Perf* found = nullptr;
  if (math != Math::fp32) {
    // bf16 too: TF32 for convolutions (see the top of this file).
    SWAG_CUDA_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_TENSOR_OP_MATH));
    query(conv, results, &count);
    for (const cudnnMathType_t type : {CUDNN_TENSOR_OP_MATH, CUDNN_DEFAULT_MATH, CUDNN_FMA_MATH})
      if (!found) found = first(type);
  }
  if (!found) {
    SWAG_CUDA_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH));
    query(conv, results, &count);
    found = first(CUDNN_FMA_MATH);
  }
  if (!found)
    fail(ExitCode::failure, "conv2d on CUDA: cuDNN has no deterministic {} {} algorithm for {}",
         ops::math_mode_name(math), pass, describe(d));
  SWAG_CUDA_CHECK(cudnnSetConvolutionMathType(conv, found->mathType));
  return *found;
}

int to_int(std::int64_t v) {
  return static_cast<int>(v);
}

std::unique_ptr<Plan> make_plan(const ops::Conv2dDesc& d, Math math) {
  // The legacy API indexes tensors with 32-bit integers.
  const std::int64_t largest =
      std::max(shape_numel(d.input_shape()), shape_numel(d.output_shape()));
  if (largest > INT_MAX)
    fail(ExitCode::config,
         "conv2d on CUDA: a tensor of {} elements exceeds cuDNN's 32-bit indexing ({}); lower "
         "the per-GPU batch size",
         largest, describe(d));

  auto p = std::make_unique<Plan>();
  const int in_per_group = to_int(d.in_channels / d.groups);
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT,
                                             to_int(d.batch), to_int(d.in_channels),
                                             to_int(d.height), to_int(d.width)));
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT,
                                             to_int(d.batch), to_int(d.out_channels),
                                             to_int(d.out_height()), to_int(d.out_width())));
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1,
                                             to_int(d.out_channels), 1, 1));
  for (auto [desc, format] :
       {std::pair{&p->oihw, CUDNN_TENSOR_NCHW}, {&p->ohwi, CUDNN_TENSOR_NHWC}})
    SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(
        *desc, format, CUDNN_DATA_FLOAT, to_int(d.out_channels), in_per_group, d.kernel, d.kernel));
  SWAG_CUDA_CHECK(cudnnSetFilter4dDescriptor(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC,
                                             to_int(d.out_channels), in_per_group, d.kernel,
                                             d.kernel));
  for (const ConvolutionDescriptor* conv : {&p->conv_forward, &p->conv_data, &p->conv_filter}) {
    SWAG_CUDA_CHECK(cudnnSetConvolution2dDescriptor(*conv, d.padding, d.padding, d.stride, d.stride,
                                                    1, 1, CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
    SWAG_CUDA_CHECK(cudnnSetConvolutionGroupCount(*conv, d.groups));
  }
  p->transpose = d.kernel > 1 && in_per_group > 1;

  cudnnHandle_t h = context().cudnn();
  p->forward = pick<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT>(
      [&](cudnnConvolutionDescriptor_t conv, cudnnConvolutionFwdAlgoPerf_t* r, int* count) {
        SWAG_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
            h, p->x, p->w, conv, p->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, count, r));
      },
      p->conv_forward, math, "forward", d);
  p->backward_data = pick<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT>(
      [&](cudnnConvolutionDescriptor_t conv, cudnnConvolutionBwdDataAlgoPerf_t* r, int* count) {
        SWAG_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
            h, p->w, p->y, conv, p->x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, count, r));
      },
      p->conv_data, math, "backward-data", d);
  p->backward_filter =
      pick<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT>(
          [&](cudnnConvolutionDescriptor_t conv, cudnnConvolutionBwdFilterAlgoPerf_t* r,
              int* count) {
            SWAG_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                h, p->x, p->y, conv, p->w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, count, r));
          },
          p->conv_filter, math, "backward-filter", d);
  return p;
}

Plan& plan_for(const ops::Conv2dDesc& d) {
  // A model has a few dozen distinct convolution shapes (per math mode); a linear search finds
  // them quickly.
  struct Entry {
    ops::Conv2dDesc desc;
    Math math;
    std::unique_ptr<Plan> plan;
  };
  static std::vector<Entry> plans;
  const Math math = context().math();
  for (Entry& e : plans)
    if (e.desc == d && e.math == math) return *e.plan;
  plans.push_back({d, math, make_plan(d, math)});
  return *plans.back().plan;
}

const float kOne = 1.0f, kZero = 0.0f;

// dst = src in another layout (OIHW <-> OHWI), both described by plan descriptors.
void transform(const TensorDescriptor& from, const float* src, const TensorDescriptor& to,
               float* dst) {
  SWAG_CUDA_CHECK(cudnnTransformTensor(context().cudnn(), &kOne, from, src, &kZero, to, dst));
}

}  // namespace

void conv2d_forward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  require_on_device("conv2d", {&x, &w, b, &y});
  Context& ctx = context();
  const Plan& p = plan_for(d);
  // Workspace: [OHWI weights if transposed | cuDNN's workspace].
  const std::size_t weight_bytes = p.transpose ? align_up(w.nbytes()) : 0;
  char* ws = static_cast<char*>(ctx.workspace(weight_bytes + p.forward.memory));
  const float* weights = w.data<float>();
  if (p.transpose) {
    transform(p.oihw, w.data<float>(), p.ohwi, reinterpret_cast<float*>(ws));
    weights = reinterpret_cast<const float*>(ws);
  }
  SWAG_CUDA_CHECK(cudnnConvolutionForward(ctx.cudnn(), &kOne, p.x, x.data<float>(), p.w, weights,
                                          p.conv_forward, p.forward.algo, ws + weight_bytes,
                                          p.forward.memory, &kZero, p.y, y.data<float>()));
  if (b)
    SWAG_CUDA_CHECK(
        cudnnAddTensor(ctx.cudnn(), &kOne, p.bias, b->data<float>(), &kOne, p.y, y.data<float>()));
}

void conv2d_backward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  require_on_device("conv2d", {&x, &w, &dy, dx, &dw, db});
  Context& ctx = context();
  const Plan& p = plan_for(d);
  // Workspace: [OHWI weights | OHWI weight gradient | cuDNN's].
  const std::size_t weight_bytes = p.transpose ? align_up(w.nbytes()) : 0;
  const std::size_t cudnn_bytes =
      std::max(dx ? p.backward_data.memory : 0, p.backward_filter.memory);
  char* ws = static_cast<char*>(ctx.workspace(2 * weight_bytes + cudnn_bytes));
  auto* w_ohwi = reinterpret_cast<float*>(ws);
  auto* dw_ohwi = reinterpret_cast<float*>(ws + weight_bytes);
  char* cudnn_ws = ws + 2 * weight_bytes;

  if (dx) {
    const float* weights = w.data<float>();
    if (p.transpose) {
      transform(p.oihw, w.data<float>(), p.ohwi, w_ohwi);
      weights = w_ohwi;
    }
    SWAG_CUDA_CHECK(cudnnConvolutionBackwardData(
        ctx.cudnn(), &kOne, p.w, weights, p.y, dy.data<float>(), p.conv_data, p.backward_data.algo,
        cudnn_ws, p.backward_data.memory, &kZero, p.x, dx->data<float>()));
  }
  float* grad = p.transpose ? dw_ohwi : dw.data<float>();
  SWAG_CUDA_CHECK(cudnnConvolutionBackwardFilter(
      ctx.cudnn(), &kOne, p.x, x.data<float>(), p.y, dy.data<float>(), p.conv_filter,
      p.backward_filter.algo, cudnn_ws, p.backward_filter.memory, &kZero, p.w, grad));
  if (p.transpose) transform(p.ohwi, dw_ohwi, p.oihw, dw.data<float>());
  if (db)
    bias_gradient(dy.data<float>(), db->data<float>(), d.batch * d.out_height() * d.out_width(),
                  d.out_channels);
}

}  // namespace swag::cuda
