#include "conv_algorithms.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "swag/backends/cuda/check.hpp"
#include "swag/core/error.hpp"
#include "swag/core/log.hpp"

namespace swag::cuda {
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

}  // namespace swag::cuda
