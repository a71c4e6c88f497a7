// A whole training step, and a short training run, on the GPU against the CPU backend: the same
// weights, batches and optimizer. Why the tolerances are what they are: doc/gpu.md,
// "Tolerances of the GPU tests".
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../train/random_head.hpp"
#include "parity.hpp"
#include "swag/core/log.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/device.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/lr_schedule.hpp"
#include "swag/train/optimizer.hpp"

using namespace swag;

namespace {

struct ModelCase {
  const char* model;
  std::int64_t resolution, batch;
  const char* optimizer;
};

// A model, its step and its optimizer on one device.
struct Trainer {
  std::unique_ptr<nn::Model> model;
  std::unique_ptr<train::ForwardBackward> step;
  std::unique_ptr<train::Optimizer> optimizer;
  Tensor images, targets;

  Trainer(const ModelCase& c, Device device, bool recompute = false) {
    model = nn::create_model(c.model, {c.batch, c.resolution, 10, false});
    model->allocate(/*seed=*/7, device, DType::f32, recompute);
    test::randomize_vit_head(*model);
    step = std::make_unique<train::ForwardBackward>(*model);
    train::OptimizerOptions o;
    o.name = c.optimizer;
    optimizer = train::make_optimizer(model->params(), o);
    images = Tensor::empty(model->input_shape(), DType::f32, device);
    targets = Tensor::empty({c.batch, 10}, DType::f32, device);
  }
  double run(const Tensor& host_images, const Tensor& host_targets) {
    ops::copy(host_images, images);
    ops::copy(host_targets, targets);
    return step->run(*model, images, targets);
  }
};

// ||a - b|| and ||b|| over a slice [offset, offset + n) of two host buffers.
struct Norms {
  double diff = 0, ref = 0;
};
Norms norms(const Tensor& a, const Tensor& b, std::int64_t offset, std::int64_t n) {
  Norms r;
  const float* pa = a.data<float>() + offset;
  const float* pb = b.data<float>() + offset;
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = double{pa[i]} - pb[i];
    r.diff += d * d;
    r.ref += double{pb[i]} * pb[i];
  }
  r.diff = std::sqrt(r.diff);
  r.ref = std::sqrt(r.ref);
  return r;
}

void expect_params_close(const std::string& what, const nn::ParameterStore& gpu_store,
                         const nn::ParameterStore& cpu_store, bool grads, double rtol) {
  const Tensor gpu =
      ops::copy_to(grads ? gpu_store.flat_grads() : gpu_store.flat_values(), Device::cpu);
  const Tensor cpu = grads ? cpu_store.flat_grads() : cpu_store.flat_values();
  const Norms all = norms(gpu, cpu, 0, cpu.numel());
  const double floor = 1e-6 * all.ref;  // for tensors whose gradient is all but zero
  double worst = 0;
  std::string worst_name;
  for (const auto& e : cpu_store.entries()) {
    const Norms n = norms(gpu, cpu, e.offset, shape_numel(e.shape));
    EXPECT_LE(n.diff, rtol * n.ref + floor)
        << what << " " << e.name << ": |gpu - cpu| = " << n.diff << ", |cpu| = " << n.ref;
    if (n.ref > 0 && n.diff / n.ref > worst) worst = n.diff / n.ref, worst_name = e.name;
  }
  std::printf("%s: whole buffer %.3g relative; worst tensor %s at %.3g\n", what.c_str(),
              all.diff / all.ref, worst_name.c_str(), worst);
}

class TrainStep : public ::testing::TestWithParam<ModelCase> {};

TEST_P(TrainStep, MatchesCpu) {
  const ModelCase& c = GetParam();
  Trainer cpu(c, Device::cpu), gpu(c, Device::cuda);
  // The same initial weights, bit for bit: drawn on the host, then copied.
  const Tensor initial = ops::copy_to(gpu.model->params().flat_values(), Device::cpu);
  ASSERT_EQ(std::memcmp(initial.raw(), cpu.model->params().flat_values().raw(), initial.nbytes()),
            0);

  train::BatchLayout layout{c.batch, c.batch, 0, c.resolution, 10, 3};
  const auto source = train::make_synthetic_source(layout);
  Tensor images = Tensor::empty(cpu.model->input_shape()), targets = Tensor::empty({c.batch, 10});
  source->fill(0, images, targets);

  const double loss_cpu = cpu.run(images, targets);
  const double loss_gpu = gpu.run(images, targets);
  EXPECT_NEAR(loss_gpu, loss_cpu, 1e-5 * loss_cpu);
  const Tensor logits = ops::copy_to(gpu.step->logits(), Device::cpu);
  const Norms l = norms(logits, cpu.step->logits(), 0, logits.numel());
  EXPECT_LE(l.diff, 1e-5 * l.ref) << "logits";
  std::printf("%s: loss cpu %.9g gpu %.9g; logits %.3g relative\n", c.model, loss_cpu, loss_gpu,
              l.diff / l.ref);
  expect_params_close(std::string(c.model) + " gradients", gpu.model->params(), cpu.model->params(),
                      true, 1e-3);

  // The optimizers update from the same gradients (the CPU's, compared above), so that this
  // checks the GPU update itself. From each backend's own gradients, AdamW's first step (about
  // lr * g / (|g| + eps) per weight) would turn rounding noise in gradients that are zero in exact
  // arithmetic (the key part of in_proj_bias: softmax ignores a shift shared by a row's logits)
  // into differences of order lr.
  Tensor gpu_grads = gpu.model->params().flat_grads();
  ops::copy(cpu.model->params().flat_grads(), gpu_grads);
  cpu.optimizer->step(0.1f);
  gpu.optimizer->step(0.1f);
  expect_params_close(std::string(c.model) + " weights after " + c.optimizer, gpu.model->params(),
                      cpu.model->params(), false, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Models, TrainStep,
                         ::testing::Values(ModelCase{"regnety_test", 32, 8, "sgd"},
                                           ModelCase{"regnety_test", 32, 4, "adamw"},
                                           ModelCase{"vit_test", 32, 4, "adamw"},
                                           ModelCase{"vit_test", 16, 3, "sgd"}),
                         [](const auto& p) {
                           return std::string(p.param.model) + "_" +
                                  std::to_string(p.param.resolution) + "_" + p.param.optimizer;
                         });

// Activation recomputation on the GPU (doc/memory.md): the same step bit for bit, batch norm
// replayed from its saved statistics and every kernel deterministic.
TEST_P(TrainStep, RecomputationIsBitwiseTheOrdinaryStep) {
  const ModelCase& c = GetParam();
  Trainer plain(c, Device::cuda), recomputed(c, Device::cuda, /*recompute=*/true);
  const auto source = train::make_synthetic_source({c.batch, c.batch, 0, c.resolution, 10, 3});
  Tensor images = Tensor::empty(plain.model->input_shape()), targets = Tensor::empty({c.batch, 10});
  for (std::int64_t s = 0; s < 2; ++s) {
    source->fill(s, images, targets);
    EXPECT_EQ(plain.run(images, targets), recomputed.run(images, targets)) << "loss, step " << s;
    test::expect_bitwise_equal("logits", recomputed.step->logits(), plain.step->logits());
    test::expect_bitwise_equal("gradients", recomputed.model->params().flat_grads(),
                               plain.model->params().flat_grads());
    test::expect_bitwise_equal("running statistics", recomputed.model->buffers().flat_values(),
                               plain.model->buffers().flat_values());
    plain.optimizer->step(0.05f);
    recomputed.optimizer->step(0.05f);
  }
}

// One-rank pre-training of the tiny RegNetY on synthetic images, as tools/gpu/end_to_end_check.py
// runs inputs/pretrain/test.toml (at optim.lr = 0.4, i.e. 0.05 at batch 32, where it learns them
// within 60 steps): warm-up, half-cosine, SGD-Nesterov.
TEST(TrainRun, LossCurveTracksCpu) {
  const ModelCase c{"regnety_test", 16, 32, "sgd"};
  Trainer cpu(c, Device::cpu), gpu(c, Device::cuda);
  const train::BatchLayout layout{c.batch, c.batch, 0, c.resolution, 10, 1};
  const auto source = train::make_synthetic_source(layout);
  const train::LrSchedule schedule{0.05, 60, 0.1};
  constexpr std::int64_t kTracked = 12;
  Tensor images = Tensor::empty(cpu.model->input_shape()), targets = Tensor::empty({c.batch, 10});
  double first = 0, last_cpu = 0, last_gpu = 0, worst = 0;
  std::int64_t parted = -1;  // the first step more than 2% apart
  for (std::int64_t step = 0; step < schedule.total_steps; ++step) {
    source->fill(step, images, targets);
    last_cpu = cpu.run(images, targets);
    last_gpu = gpu.run(images, targets);
    if (step == 0) first = last_cpu;
    const double gap = std::fabs(last_gpu - last_cpu) / last_cpu;
    if (step < kTracked) {
      worst = std::fmax(worst, gap);
      EXPECT_LE(gap, 1e-3) << "step " << step << ": loss cpu " << last_cpu << ", gpu " << last_gpu;
    }
    if (parted < 0 && gap > 0.02) parted = step;
    if (step % 10 == 0 || step + 1 == schedule.total_steps)
      std::printf("step %2lld: loss cpu %.6f gpu %.6f\n", static_cast<long long>(step), last_cpu,
                  last_gpu);
    const auto lr = static_cast<float>(schedule.at(step));
    cpu.optimizer->step(lr);
    gpu.optimizer->step(lr);
  }
  std::printf(
      "largest relative gap over the first %lld steps: %.3g; first step more than 2%% "
      "apart: %lld\n",
      static_cast<long long>(kTracked), worst, static_cast<long long>(parted));
  EXPECT_LT(last_cpu, 0.5 * first);
  EXPECT_LT(last_gpu, 0.5 * first);
}

}  // namespace
