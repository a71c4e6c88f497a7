// Activation recomputation (doc/memory.md) against the ordinary step, CPU backend: two models
// with the same weights, one keeping every activation and one only each block's output, take
// two SGD steps on the same batches. Recomputation replays each block's forward with the same
// operations (batch norm from its saved statistics), so losses, logits, every gradient, the
// running statistics and the updated weights must agree bit for bit, in fp32 and with bf16
// activations; and the recomputing model must hold less activation memory.
#include <gtest/gtest.h>

#include <memory>
#include <ostream>

#include "../ops/storage_test_util.hpp"
#include "swag/core/allocator.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/optimizer.hpp"

using namespace swag;

namespace {

constexpr std::int64_t kBatch = 4, kClasses = 10;

struct Trainer {
  std::unique_ptr<nn::Model> model;
  std::unique_ptr<train::Optimizer> sgd;
  std::unique_ptr<train::ForwardBackward> step;
  std::size_t bytes;  // what allocate() took

  Trainer(const char* name, std::int64_t resolution, DType activations, bool recompute)
      : model(nn::create_model(name, {kBatch, resolution, kClasses, false})) {
    const std::size_t before = tensor_bytes_in_use(Device::cpu);
    model->allocate(/*seed=*/3, Device::cpu, activations, recompute);
    bytes = tensor_bytes_in_use(Device::cpu) - before;
    sgd = train::make_optimizer(model->params(), {});
    step = std::make_unique<train::ForwardBackward>(*model);
  }
};

struct Case {
  const char* model;
  std::int64_t resolution;
  DType activations;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model << " " << dtype_name(c.activations);
}

class Recompute : public ::testing::TestWithParam<Case> {};

TEST_P(Recompute, StepsAreBitwiseTheOrdinaryOnes) {
  const Case c = GetParam();
  Trainer plain(c.model, c.resolution, c.activations, false);
  Trainer recomputed(c.model, c.resolution, c.activations, true);
  ASSERT_TRUE(recomputed.model->recomputes_activations());
  const auto source = train::make_synthetic_source({kBatch, kBatch, 0, c.resolution, kClasses, 7});
  Tensor images = Tensor::empty(plain.model->input_shape()),
         targets = Tensor::empty({kBatch, kClasses});
  for (std::int64_t s = 0; s < 2; ++s) {
    source->fill(s, images, targets);
    const double loss = plain.step->run(*plain.model, images, targets);
    const double loss_r = recomputed.step->run(*recomputed.model, images, targets);
    EXPECT_EQ(loss, loss_r) << "step " << s;
    const std::string step = "step " + std::to_string(s);
    test::expect_same_bits(recomputed.step->logits(), plain.step->logits(), step + " logits");
    test::expect_same_bits(recomputed.model->params().flat_grads(),
                           plain.model->params().flat_grads(), step + " gradients");
    test::expect_same_bits(recomputed.model->buffers().flat_values(),
                           plain.model->buffers().flat_values(), step + " running statistics");
    plain.sgd->step(0.05f);
    recomputed.sgd->step(0.05f);
    test::expect_same_bits(recomputed.model->params().flat_values(),
                           plain.model->params().flat_values(), step + " weights");
  }
  // Evaluation through the shared buffer gives the same logits too.
  const Tensor& eval_logits = plain.model->forward(images, false);
  test::expect_same_bits(recomputed.model->forward(images, false), eval_logits, "eval logits");
  RecordProperty("bytes", static_cast<int>(plain.bytes));
  RecordProperty("bytes_recomputed", static_cast<int>(recomputed.bytes));
  EXPECT_LT(recomputed.bytes, plain.bytes);
}

INSTANTIATE_TEST_SUITE_P(Models, Recompute,
                         ::testing::Values(Case{"regnety_test", 32, DType::f32},
                                           Case{"regnety_test", 32, DType::bf16},
                                           Case{"vit_test", 32, DType::f32},
                                           Case{"vit_test", 32, DType::bf16}),
                         [](const auto& param) {
                           return std::string(param.param.model) + "_" +
                                  std::string(dtype_name(param.param.activations));
                         });

}  // namespace
