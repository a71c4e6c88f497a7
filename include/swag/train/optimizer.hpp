// Optimizers over the flat parameter buffer: SGD with (Nesterov) momentum for RegNetY and
// AdamW for ViT (§3.2). Weight decay applies only to parameters flagged for it (none on
// BatchNorm). The state is flat buffers shaped like the parameter buffer, so checkpoints and
// all-reduce buckets treat it like the parameters.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "swag/nn/parameter_store.hpp"

namespace swag::train {

struct OptimizerOptions {
  std::string name = "sgd";                        // sgd | adamw
  float momentum = 0.9f;                           // sgd
  bool nesterov = true;                            // sgd
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;  // adamw (the paper's betas for ViT)
  float weight_decay = 1e-5f;
};

class Optimizer {
 public:
  Optimizer(nn::ParameterStore& params, const OptimizerOptions& options, int state_buffers);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update with learning rate lr from the gradients in the store.
  void step(float lr);
  std::int64_t steps_taken() const { return steps_; }
  void set_steps_taken(std::int64_t steps) { steps_ = steps; }
  // Named flat state buffers (e.g. "momentum", or "exp_avg" and "exp_avg_sq").
  virtual std::vector<std::string> state_names() const = 0;
  Tensor state(int k) const { return state_[static_cast<std::size_t>(k)]; }

 protected:
  // Updates parameter i; `slices[k]` is parameter i's part of state buffer k.
  virtual void update(float lr, float weight_decay, Tensor& value, const Tensor& grad,
                      std::vector<Tensor>& slices) = 0;
  const OptimizerOptions options_;

 private:
  // Per parameter: its value and gradient, and its slice of every state buffer.
  struct Views {
    Tensor value, grad;
    std::vector<Tensor> state;
  };
  nn::ParameterStore& params_;
  std::vector<Tensor> state_;
  std::vector<Views> views_;
  std::int64_t steps_ = 0;
};

std::unique_ptr<Optimizer> make_optimizer(nn::ParameterStore& params,
                                          const OptimizerOptions& options);

}  // namespace swag::train
