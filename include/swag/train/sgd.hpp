// SGD with (Nesterov) momentum over the flat parameter buffer, weight decay only on the
// parameters flagged for it (none on BatchNorm), as in the paper's RegNetY recipe.
#pragma once
#include "swag/nn/parameter_store.hpp"
#include "swag/ops/optimizer_update.hpp"

namespace swag::train {

struct SgdOptions {
  float momentum = 0.9f;
  float weight_decay = 1e-5f;
  bool nesterov = true;
};

class Sgd {
 public:
  Sgd(nn::ParameterStore& params, const SgdOptions& options);
  void step(float lr);
  const Tensor& momentum_buffer() const { return momentum_; }

 private:
  nn::ParameterStore& params_;
  SgdOptions options_;
  Tensor momentum_;
  std::vector<Tensor> values_, grads_, buffers_;  // per-parameter views
  bool first_step_ = true;
};

}  // namespace swag::train
