// One training step with 16-bit activations on the GPU against the same step on the CPU backend,
// held to the CPU test's bounds against fp32. Tolerances: doc/gpu.md, "Tolerances of the GPU
// tests".
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "../ops/storage_test_util.hpp"
#include "../train/random_head.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/device.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/forward_backward.hpp"

using namespace swag;

namespace {

constexpr std::int64_t kBatch = 8, kClasses = 10;

struct Step {
  double loss;
  Tensor features, grads;  // on the host
};

Step run_step(const char* name, std::int64_t resolution, DType activations, Device device) {
  auto model = nn::create_model(name, {kBatch, resolution, kClasses, false});
  model->allocate(/*seed=*/5, device, activations);
  test::randomize_vit_head(*model);
  const auto source = train::make_synthetic_source({kBatch, kBatch, 0, resolution, kClasses, 3});
  Tensor images = Tensor::empty(model->input_shape()), targets = Tensor::empty({kBatch, kClasses});
  source->fill(0, images, targets);
  train::ForwardBackward step(*model);
  const double loss = step.run(*model, ops::copy_to(images, device), ops::copy_to(targets, device));
  return {loss, ops::copy_to(model->features(), Device::cpu),
          ops::copy_to(model->params().flat_grads(), Device::cpu)};
}

struct Case {
  const char* model;
  std::int64_t resolution;
};

class MixedPrecisionStepOnGpu : public ::testing::TestWithParam<Case> {};

TEST_P(MixedPrecisionStepOnGpu, MatchesCpu) {
  const Case c = GetParam();
  const Step fp32 = run_step(c.model, c.resolution, DType::f32, Device::cpu);
  for (const DType t : {DType::bf16, DType::f16}) {
    const double u = test::storage_roundoff(t);
    const Step cpu = run_step(c.model, c.resolution, t, Device::cpu);
    const Step gpu = run_step(c.model, c.resolution, t, Device::cuda);
    const double features = test::relative_error(gpu.features, fp32.features);
    const double grads = test::relative_error(gpu.grads, fp32.grads);
    EXPECT_NEAR(gpu.loss, fp32.loss, 16 * u * fp32.loss) << dtype_name(t);
    EXPECT_GT(features, 0.0) << dtype_name(t) << ": bitwise fp32, the storage type not in effect";
    EXPECT_LT(features, 16 * u) << dtype_name(t);
    EXPECT_LT(grads, 64 * u) << dtype_name(t);
    std::printf(
        "%s %s against fp32: features gpu %.1f u, cpu %.1f u; gradients gpu %.1f u, cpu %.1f u; "
        "gpu against cpu: features %.1f u, gradients %.1f u\n",
        c.model, std::string(dtype_name(t)).c_str(), features / u,
        test::relative_error(cpu.features, fp32.features) / u, grads / u,
        test::relative_error(cpu.grads, fp32.grads) / u,
        test::relative_error(gpu.features, cpu.features) / u,
        test::relative_error(gpu.grads, cpu.grads) / u);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, MixedPrecisionStepOnGpu,
                         ::testing::Values(Case{"regnety_test", 16}, Case{"vit_test", 16}),
                         [](const auto& p) { return std::string(p.param.model); });

}  // namespace
