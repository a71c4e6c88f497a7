#include "swag/train/optimizer.hpp"

#include "swag/ops/optimizer_update.hpp"

namespace swag::train {
namespace {

class Sgd final : public Optimizer {
 public:
  Sgd(nn::ParameterStore& params, const OptimizerOptions& o) : Optimizer(params, o, 1) {}
  std::vector<std::string> state_names() const override { return {"momentum"}; }

 private:
  void update(float lr, float weight_decay, Tensor& value, const Tensor& grad,
              std::vector<Tensor>& slices) override {
    const ops::SgdUpdate u{lr, options_.momentum, weight_decay, options_.nesterov,
                           steps_taken() == 0};
    ops::sgd_update(u, value, grad, slices[0]);
  }
};

class AdamW final : public Optimizer {
 public:
  AdamW(nn::ParameterStore& params, const OptimizerOptions& o) : Optimizer(params, o, 2) {}
  std::vector<std::string> state_names() const override { return {"exp_avg", "exp_avg_sq"}; }

 private:
  void update(float lr, float weight_decay, Tensor& value, const Tensor& grad,
              std::vector<Tensor>& slices) override {
    const ops::AdamWUpdate u{lr,           options_.beta1, options_.beta2,
                             options_.eps, weight_decay,   steps_taken() + 1};
    ops::adamw_update(u, value, grad, slices[0], slices[1]);
  }
};

}  // namespace

Optimizer::Optimizer(nn::ParameterStore& params, const OptimizerOptions& options, int state_buffers)
    : options_(options), params_(params) {
  for (int k = 0; k < state_buffers; ++k)
    state_.push_back(Tensor::zeros({params.size()}, DType::f32, params.flat_values().device()));
  for (std::size_t i = 0; i < params.entries().size(); ++i) {
    const auto& e = params.entries()[i];
    const int index = static_cast<int>(i);
    std::vector<Tensor> slices;
    for (const Tensor& buffer : state_)
      slices.push_back(
          Tensor::view(buffer.data<float>() + e.offset, e.shape, DType::f32, buffer.device()));
    views_.push_back({params.value(index), params.grad(index), std::move(slices)});
  }
}

void Optimizer::step(float lr) {
  for (std::size_t i = 0; i < views_.size(); ++i) {
    const float decay = params_.entries()[i].weight_decay ? options_.weight_decay : 0.0f;
    update(lr, decay, views_[i].value, views_[i].grad, views_[i].state);
  }
  ++steps_;
}

std::unique_ptr<Optimizer> make_optimizer(nn::ParameterStore& params,
                                          const OptimizerOptions& options) {
  if (options.name == "sgd") return std::make_unique<Sgd>(params, options);
  if (options.name == "adamw") return std::make_unique<AdamW>(params, options);
  fail(ExitCode::config, "unknown optimizer '{}' (sgd or adamw)", options.name);
}

}  // namespace swag::train
