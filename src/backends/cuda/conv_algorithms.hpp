// cuDNN's algorithms for one pass of one convolution shape (conv2d.cpp), in the order we prefer
// them, and which one the pass runs: the next when cuDNN refuses one on its first execution
// (doc/gpu.md, "The CUDA backend's GEMM-like ops").
#pragma once
#include <cudnn.h>

#include <cstddef>
#include <string>
#include <vector>

#include "op_support.hpp"

namespace swag::cuda {

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

}  // namespace swag::cuda
