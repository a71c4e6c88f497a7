// 2-D convolution through cuDNN: NHWC activations with OIHW weights transposed to OHWI in the
// workspace, deterministic algorithms in the context's math mode, plans cached per shape.
// Layouts, math modes and 16-bit storage: doc/gpu.md, "The CUDA backend's GEMM-like ops".
#include <cudnn.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "gemm_kernels.hpp"
#include "op_support.hpp"
#include "swag/backends/cuda/check.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/backends/cuda/cuda_ops.hpp"
#include "swag/core/error.hpp"
#include "swag/core/float_types.hpp"
#include "swag/core/log.hpp"

namespace swag::cuda {

// cuDNN's algorithms for one pass of one convolution shape, in the order we prefer them, and
// which one the pass runs: the next when cuDNN refuses one on its first execution (doc/gpu.md,
// "The CUDA backend's GEMM-like ops").
enum class ConvPassKind { forward, backward_data, backward_filter };

// The descriptors a pass is ranked with (x, w, y: the input, filter and output of the forward).
struct ConvShapes {
  cudnnHandle_t handle;
  cudnnTensorDescriptor_t x;
  cudnnFilterDescriptor_t w;
  cudnnTensorDescriptor_t y;
};

// One algorithm at the math type cuDNN ranked it with, and the workspace it needs at that type.
struct ConvAlgorithm {
  int algo = 0;  // a cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t, as the pass's kind says
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  std::size_t workspace = 0;
};

class ConvPass {
 public:
  // The pass's own convolution descriptor: the plan sets its geometry, the pass its math type.
  ConvolutionDescriptor conv;

  // Ranks the algorithms, only the deterministic ones if `deterministic`. With tensor_ops: those
  // cuDNN ranks for CUDNN_TENSOR_OP_MATH (tensor-op ones first, then default-math, then FMA
  // ones), then those it ranks for CUDNN_FMA_MATH; without: the FMA ones only. Fails when there
  // is none. `label` names the arithmetic and `shape` the convolution, for messages.
  void rank(ConvPassKind kind, const ConvShapes& shapes, bool tensor_ops, bool deterministic,
            std::string label, std::string shape);

  template <class Algo>
  Algo algo() const {
    return static_cast<Algo>(current().algo);
  }
  std::size_t workspace() const { return current().workspace; }

  // Whether an execution with the current algorithm, which returned `status`, went through. A
  // refusal on the first execution moves to the next candidate and returns false: the caller runs
  // the op again (its outputs are overwritten). Any other failure, or a refusal by the last
  // candidate or by one that was accepted before, throws swag::Error.
  bool accepted(cudnnStatus_t status);

 private:
  const ConvAlgorithm& current() const { return candidates_[chosen_]; }
  void use(std::size_t index);

  ConvPassKind kind_ = ConvPassKind::forward;
  std::vector<ConvAlgorithm> candidates_;
  std::size_t chosen_ = 0;
  bool confirmed_ = false;
  std::string label_, shape_;
};

namespace {

// The three passes' ranking and workspace queries behind one interface.
template <ConvPassKind K>
struct PassApi;

template <>
struct PassApi<ConvPassKind::forward> {
  using Perf = cudnnConvolutionFwdAlgoPerf_t;
  static constexpr int kCount = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  static cudnnStatus_t rank(const ConvShapes& s, cudnnConvolutionDescriptor_t c, Perf* r, int* n) {
    return cudnnGetConvolutionForwardAlgorithm_v7(s.handle, s.x, s.w, c, s.y, kCount, n, r);
  }
  static cudnnStatus_t workspace(const ConvShapes& s, cudnnConvolutionDescriptor_t c, int algo,
                                 std::size_t* bytes) {
    return cudnnGetConvolutionForwardWorkspaceSize(
        s.handle, s.x, s.w, c, s.y, static_cast<cudnnConvolutionFwdAlgo_t>(algo), bytes);
  }
};

template <>
struct PassApi<ConvPassKind::backward_data> {
  using Perf = cudnnConvolutionBwdDataAlgoPerf_t;
  static constexpr int kCount = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  static cudnnStatus_t rank(const ConvShapes& s, cudnnConvolutionDescriptor_t c, Perf* r, int* n) {
    return cudnnGetConvolutionBackwardDataAlgorithm_v7(s.handle, s.w, s.y, c, s.x, kCount, n, r);
  }
  static cudnnStatus_t workspace(const ConvShapes& s, cudnnConvolutionDescriptor_t c, int algo,
                                 std::size_t* bytes) {
    return cudnnGetConvolutionBackwardDataWorkspaceSize(
        s.handle, s.w, s.y, c, s.x, static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), bytes);
  }
};

template <>
struct PassApi<ConvPassKind::backward_filter> {
  using Perf = cudnnConvolutionBwdFilterAlgoPerf_t;
  static constexpr int kCount = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  static cudnnStatus_t rank(const ConvShapes& s, cudnnConvolutionDescriptor_t c, Perf* r, int* n) {
    return cudnnGetConvolutionBackwardFilterAlgorithm_v7(s.handle, s.x, s.y, c, s.w, kCount, n, r);
  }
  static cudnnStatus_t workspace(const ConvShapes& s, cudnnConvolutionDescriptor_t c, int algo,
                                 std::size_t* bytes) {
    return cudnnGetConvolutionBackwardFilterWorkspaceSize(
        s.handle, s.x, s.y, c, s.w, static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), bytes);
  }
};

// The algorithms cuDNN ranks with the descriptor at math type `asked` (only deterministic ones
// if `deterministic`), those of each math type in `types` in turn, appended to `out` unless
// already there. Each one's workspace is asked again at the math type it will run with; one
// cuDNN cannot size is left out.
template <ConvPassKind K>
void append_ranked(const ConvShapes& s, cudnnConvolutionDescriptor_t conv, cudnnMathType_t asked,
                   std::initializer_list<cudnnMathType_t> types, bool deterministic,
                   std::vector<ConvAlgorithm>& out) {
  using Api = PassApi<K>;
  typename Api::Perf results[Api::kCount];
  int count = 0;
  SWAG_CUDA_CHECK(cudnnSetConvolutionMathType(conv, asked));
  SWAG_CUDA_CHECK(Api::rank(s, conv, results, &count));
  for (const cudnnMathType_t type : types)
    for (int i = 0; i < count; ++i) {
      const auto& r = results[i];
      if (r.status != CUDNN_STATUS_SUCCESS || r.mathType != type ||
          (deterministic && r.determinism != CUDNN_DETERMINISTIC))
        continue;
      const int algo = static_cast<int>(r.algo);
      if (std::any_of(out.begin(), out.end(),
                      [&](const ConvAlgorithm& a) { return a.algo == algo && a.math == type; }))
        continue;
      SWAG_CUDA_CHECK(cudnnSetConvolutionMathType(conv, type));
      std::size_t bytes = 0;
      if (Api::workspace(s, conv, algo, &bytes) != CUDNN_STATUS_SUCCESS) continue;
      out.push_back({algo, type, std::max(bytes, r.memory)});
    }
}

template <ConvPassKind K>
std::vector<ConvAlgorithm> ranked(const ConvShapes& s, cudnnConvolutionDescriptor_t conv,
                                  bool tensor_ops, bool deterministic) {
  std::vector<ConvAlgorithm> out;
  if (tensor_ops)
    append_ranked<K>(s, conv, CUDNN_TENSOR_OP_MATH,
                     {CUDNN_TENSOR_OP_MATH, CUDNN_DEFAULT_MATH, CUDNN_FMA_MATH}, deterministic,
                     out);
  append_ranked<K>(s, conv, CUDNN_FMA_MATH, {CUDNN_FMA_MATH}, deterministic, out);
  return out;
}

const char* pass_name(ConvPassKind kind) {
  switch (kind) {
    case ConvPassKind::forward: return "forward";
    case ConvPassKind::backward_data: return "backward-data";
    case ConvPassKind::backward_filter: return "backward-filter";
  }
  return "?";
}

// cuDNN 9 numbers its statuses by the thousand: 3xxx not supported, 2xxx a bad parameter. Of
// the latter only the plain one is an algorithm's refusal; a null or misaligned pointer or a
// stream mismatch is the caller's, and no other algorithm would take it.
bool is_refusal(cudnnStatus_t s) {
  return s == CUDNN_STATUS_BAD_PARAM ||
         (s >= CUDNN_STATUS_NOT_SUPPORTED && s < CUDNN_STATUS_INTERNAL_ERROR);
}

}  // namespace

void ConvPass::rank(ConvPassKind kind, const ConvShapes& shapes, bool tensor_ops,
                    bool deterministic, std::string label, std::string shape) {
  kind_ = kind;
  label_ = std::move(label);
  shape_ = std::move(shape);
  switch (kind) {
    case ConvPassKind::forward:
      candidates_ = ranked<ConvPassKind::forward>(shapes, conv, tensor_ops, deterministic);
      break;
    case ConvPassKind::backward_data:
      candidates_ = ranked<ConvPassKind::backward_data>(shapes, conv, tensor_ops, deterministic);
      break;
    case ConvPassKind::backward_filter:
      candidates_ = ranked<ConvPassKind::backward_filter>(shapes, conv, tensor_ops, deterministic);
      break;
  }
  if (candidates_.empty())
    fail(ExitCode::failure, "conv2d on CUDA: cuDNN has no {}{} {} algorithm for {}",
         deterministic ? "deterministic " : "", label_, pass_name(kind_), shape_);
  use(0);
}

void ConvPass::use(std::size_t index) {
  chosen_ = index;
  SWAG_CUDA_CHECK(cudnnSetConvolutionMathType(conv, current().math));
}

bool ConvPass::accepted(cudnnStatus_t status) {
  if (status == CUDNN_STATUS_SUCCESS) {
    confirmed_ = true;
    return true;
  }
  const std::string what = detail::cudnn_status_text(status);
  if (confirmed_ || !is_refusal(status))
    fail(ExitCode::failure, "conv2d on CUDA: cuDNN's {} {} algorithm {} failed for {}: {}", label_,
         pass_name(kind_), current().algo, shape_, what);
  if (chosen_ + 1 == candidates_.size())
    fail(ExitCode::failure,
         "conv2d on CUDA: cuDNN refused all {} {} {} algorithms it ranked for {} "
         "(the last, algorithm {}: {})",
         candidates_.size(), label_, pass_name(kind_), shape_, current().algo, what);
  log::info("conv2d on CUDA: cuDNN refused {} {} algorithm {} for {} ({}); trying algorithm {}",
            label_, pass_name(kind_), current().algo, shape_, what, candidates_[chosen_ + 1].algo);
  use(chosen_ + 1);
  return false;
}

namespace {

std::string describe(const ops::Conv2dDesc& d) {
  return fmt::format("N={} C={}->{} HxW={}x{} kernel={} stride={} padding={} groups={}", d.batch,
                     d.in_channels, d.out_channels, d.height, d.width, d.kernel, d.stride,
                     d.padding, d.groups);
}

// Everything cuDNN needs for one convolution shape and math mode, built on first use; each pass
// keeps its own convolution descriptor and algorithm candidates (ConvPass above).
struct Plan {
  TensorDescriptor x, y, bias;
  TensorDescriptor oihw, ohwi;  // the weights as plain tensors, for the layout transforms
  FilterDescriptor w;
  ConvPass forward, backward_data, backward_filter;
  bool transpose = false;  // weights need OIHW <-> OHWI
};

int to_int(std::int64_t v) {
  return static_cast<int>(v);
}

cudnnDataType_t cudnn_type(DType t) {
  switch (t) {
    case DType::bf16: return CUDNN_DATA_BFLOAT16;
    case DType::f16: return CUDNN_DATA_HALF;
    default: break;
  }
  return CUDNN_DATA_FLOAT;
}

// math: the context's for f32 tensors, fp32 (unused) for 16-bit ones.
std::unique_ptr<Plan> make_plan(const ops::Conv2dDesc& d, Math math, DType type,
                                bool deterministic) {
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
  const cudnnDataType_t data = cudnn_type(type);
  const bool tensor_ops = math != Math::fp32 || type != DType::f32;
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NHWC, data, to_int(d.batch),
                                             to_int(d.in_channels), to_int(d.height),
                                             to_int(d.width)));
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NHWC, data, to_int(d.batch),
                                             to_int(d.out_channels), to_int(d.out_height()),
                                             to_int(d.out_width())));
  SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NHWC, data, 1,
                                             to_int(d.out_channels), 1, 1));
  for (auto [desc, format] :
       {std::pair{&p->oihw, CUDNN_TENSOR_NCHW}, {&p->ohwi, CUDNN_TENSOR_NHWC}})
    SWAG_CUDA_CHECK(cudnnSetTensor4dDescriptor(*desc, format, data, to_int(d.out_channels),
                                               in_per_group, d.kernel, d.kernel));
  SWAG_CUDA_CHECK(cudnnSetFilter4dDescriptor(p->w, data, CUDNN_TENSOR_NHWC, to_int(d.out_channels),
                                             in_per_group, d.kernel, d.kernel));
  for (ConvPass* pass : {&p->forward, &p->backward_data, &p->backward_filter}) {
    SWAG_CUDA_CHECK(cudnnSetConvolution2dDescriptor(pass->conv, d.padding, d.padding, d.stride,
                                                    d.stride, 1, 1, CUDNN_CROSS_CORRELATION,
                                                    CUDNN_DATA_FLOAT));
    SWAG_CUDA_CHECK(cudnnSetConvolutionGroupCount(pass->conv, d.groups));
  }
  p->transpose = d.kernel > 1 && in_per_group > 1;

  // fp32 asks with CUDNN_FMA_MATH (fp32 products); tf32, bf16 and 16-bit data with
  // CUDNN_TENSOR_OP_MATH, falling back to what fp32 mode would run.
  const ConvShapes shapes{context().cudnn(), p->x, p->w, p->y};
  const std::string label = type != DType::f32 ? "16-bit" : std::string(ops::math_mode_name(math));
  p->forward.rank(ConvPassKind::forward, shapes, tensor_ops, deterministic, label, describe(d));
  p->backward_data.rank(ConvPassKind::backward_data, shapes, tensor_ops, deterministic, label,
                        describe(d));
  p->backward_filter.rank(ConvPassKind::backward_filter, shapes, tensor_ops, deterministic, label,
                          describe(d));
  return p;
}

Plan& plan_for(const ops::Conv2dDesc& d, DType type) {
  // A model has a few dozen distinct convolution shapes (per math mode and storage type); a
  // linear search finds them quickly.
  struct Entry {
    ops::Conv2dDesc desc;
    Math math;
    DType type;
    bool deterministic;
    std::unique_ptr<Plan> plan;
  };
  static std::vector<Entry> plans;
  const Math math = type == DType::f32 ? context().math() : Math::fp32;
  const bool deterministic = context().deterministic();
  for (Entry& e : plans)
    if (e.desc == d && e.math == math && e.type == type && e.deterministic == deterministic)
      return *e.plan;
  plans.push_back({d, math, type, deterministic, make_plan(d, math, type, deterministic)});
  return *plans.back().plan;
}

const float kOne = 1.0f, kZero = 0.0f;

// dst = src in another layout (OIHW <-> OHWI), both described by plan descriptors.
void transform(const TensorDescriptor& from, const void* src, const TensorDescriptor& to,
               void* dst) {
  SWAG_CUDA_CHECK(cudnnTransformTensor(context().cudnn(), &kOne, from, src, &kZero, to, dst));
}

// Weights of d's shape and storage type from OIHW to OHWI (to_ohwi) or back.
void permute(const Plan& p, const ops::Conv2dDesc& d, DType type, const void* src, void* dst,
             bool to_ohwi) {
  visit_float_type(type, "conv2d", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>)
      transform(to_ohwi ? p.oihw : p.ohwi, src, to_ohwi ? p.ohwi : p.oihw, dst);
    else
      kernels::permute_weights(static_cast<const T*>(src), static_cast<T*>(dst), d.out_channels,
                               d.in_channels / d.groups, std::int64_t{d.kernel} * d.kernel,
                               to_ohwi);
  });
}

}  // namespace

// The passes take alpha and beta as float for every storage type used here (cuDNN's rule for
// float, half and bfloat16 data).
void conv2d_forward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  require_on_device("conv2d", {&x, &w, b, &y});
  Context& ctx = context();
  Plan& p = plan_for(d, x.dtype());
  // Workspace: [OHWI weights if transposed | cuDNN's workspace]. Asked again after a refusal, as
  // the next algorithm may need more.
  const std::size_t weight_bytes = p.transpose ? align_up(w.nbytes()) : 0;
  cudnnStatus_t status{};
  do {
    char* ws = static_cast<char*>(ctx.workspace(weight_bytes + p.forward.workspace()));
    const void* weights = w.raw();
    if (p.transpose) {
      permute(p, d, x.dtype(), w.raw(), ws, true);
      weights = ws;
    }
    status = cudnnConvolutionForward(ctx.cudnn(), &kOne, p.x, x.raw(), p.w, weights, p.forward.conv,
                                     p.forward.algo<cudnnConvolutionFwdAlgo_t>(), ws + weight_bytes,
                                     p.forward.workspace(), &kZero, p.y, y.raw());
  } while (!p.forward.accepted(status));
  if (!b) return;
  visit_float_type(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>)
      SWAG_CUDA_CHECK(cudnnAddTensor(ctx.cudnn(), &kOne, p.bias, b->data<float>(), &kOne, p.y,
                                     y.data<float>()));
    else
      kernels::add_bias(y.data<T>(), b->data<T>(), d.batch * d.out_height() * d.out_width(),
                        d.out_channels);
  });
}

void conv2d_backward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  require_on_device("conv2d", {&x, &w, &dy, dx, &dw, db});
  Context& ctx = context();
  Plan& p = plan_for(d, x.dtype());
  const bool narrow = x.dtype() != DType::f32;  // dw through a 16-bit scratch
  // Workspace: [OHWI weights | OHWI weight gradient | 16-bit OIHW weight gradient | cuDNN's].
  // The weights and their gradient in the storage type have w's size.
  const std::size_t weight_bytes = align_up(w.nbytes());
  const std::size_t ohwi_bytes = p.transpose ? weight_bytes : 0;
  const std::size_t narrow_bytes = narrow ? weight_bytes : 0;
  // The gradient in the storage type's OIHW layout (dw itself for f32), and where cuDNN writes it.
  void* grad_oihw = nullptr;
  void* grad = nullptr;
  // Both passes again after either refuses its algorithm: they only overwrite dx and the gradient.
  for (;;) {
    const std::size_t cudnn_bytes =
        std::max(dx ? p.backward_data.workspace() : 0, p.backward_filter.workspace());
    char* ws = static_cast<char*>(ctx.workspace(2 * ohwi_bytes + narrow_bytes + cudnn_bytes));
    char* w_ohwi = ws;
    char* dw_ohwi = ws + ohwi_bytes;
    char* dw_narrow = ws + 2 * ohwi_bytes;
    char* cudnn_ws = dw_narrow + narrow_bytes;
    if (dx) {
      const void* weights = w.raw();
      if (p.transpose) {
        permute(p, d, x.dtype(), w.raw(), w_ohwi, true);
        weights = w_ohwi;
      }
      const cudnnStatus_t status = cudnnConvolutionBackwardData(
          ctx.cudnn(), &kOne, p.w, weights, p.y, dy.raw(), p.backward_data.conv,
          p.backward_data.algo<cudnnConvolutionBwdDataAlgo_t>(), cudnn_ws,
          p.backward_data.workspace(), &kZero, p.x, dx->raw());
      if (!p.backward_data.accepted(status)) continue;
    }
    grad_oihw = narrow ? static_cast<void*>(dw_narrow) : dw.raw();
    grad = p.transpose ? static_cast<void*>(dw_ohwi) : grad_oihw;
    const cudnnStatus_t status = cudnnConvolutionBackwardFilter(
        ctx.cudnn(), &kOne, p.x, x.raw(), p.y, dy.raw(), p.backward_filter.conv,
        p.backward_filter.algo<cudnnConvolutionBwdFilterAlgo_t>(), cudnn_ws,
        p.backward_filter.workspace(), &kZero, p.w, grad);
    if (p.backward_filter.accepted(status)) break;
  }
  if (p.transpose) permute(p, d, x.dtype(), grad, grad_oihw, false);
  if (narrow) convert(Tensor::view(grad_oihw, dw.shape(), x.dtype(), Device::cuda), dw);
  if (db)
    bias_gradient(dy, db->data<float>(), d.batch * d.out_height() * d.out_width(), d.out_channels);
}

}  // namespace swag::cuda
