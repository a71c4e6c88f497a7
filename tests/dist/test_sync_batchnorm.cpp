// Sync BN: W ranks with batch n each and synchronized batch norms give the logits, the averaged
// gradients and the running statistics of one rank with the concatenated batch of n*W.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "swag/core/rng.hpp"
#include "swag/dist/gradient_allreduce.hpp"
#include "swag/dist/model_collectives.hpp"
#include "swag/dist/sync_batchnorm.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/forward_backward.hpp"

using namespace swag;

namespace {

constexpr std::int64_t kPerRank = 2, kClasses = 3, kResolution = 16;

// Sample i of the global batch: a fixed random image and class i % kClasses.
void fill_sample(std::int64_t i, float* image, float* target) {
  Rng rng(11, static_cast<std::uint64_t>(i));
  for (std::int64_t k = 0; k < kResolution * kResolution * 3; ++k) image[k] = rng.normal() + 0.3f;
  std::fill(target, target + kClasses, 0.0f);
  target[i % kClasses] = 1.0f;
}

void fill_batch(std::int64_t first, std::int64_t n, Tensor& images, Tensor& targets) {
  const std::int64_t pixels = kResolution * kResolution * 3;
  for (std::int64_t i = 0; i < n; ++i)
    fill_sample(first + i, images.data<float>() + i * pixels, targets.data<float>() + i * kClasses);
}

double worst_relative(const Tensor& a, const Tensor& b) {
  double worst = 0, scale = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(a.data<float>()[i] - b.data<float>()[i])));
    scale = std::max(scale, static_cast<double>(std::abs(b.data<float>()[i])));
  }
  return scale > 0 ? worst / scale : worst;
}

}  // namespace

TEST(SyncBatchNorm, EqualsOneRankOnTheConcatenatedBatch) {
  const auto comm = dist::Communicator::world();
  const std::int64_t world = comm.size(), global = kPerRank * world;

  auto reference = nn::create_model("regnety_test", {global, kResolution, kClasses});
  reference->allocate(4);
  Tensor all_images = Tensor::empty(reference->input_shape());
  Tensor all_targets = Tensor::empty({global, kClasses});
  fill_batch(0, global, all_images, all_targets);
  train::ForwardBackward reference_step(*reference);
  reference_step.run(*reference, all_images, all_targets);

  auto model = nn::create_model("regnety_test", {kPerRank, kResolution, kClasses});
  model->allocate(4);
  dist::sync_batchnorm(*model, comm);
  dist::GradientAllReduce allreduce(comm, model->params(), 4096);
  model->set_gradient_ready_hook([&](int first) { allreduce.ready_from(first); });
  Tensor images = Tensor::empty(model->input_shape());
  Tensor targets = Tensor::empty({kPerRank, kClasses});
  fill_batch(comm.rank() * kPerRank, kPerRank, images, targets);
  train::ForwardBackward step(*model);
  step.run(*model, images, targets);
  allreduce.finish();

  // This rank's logits are its rows of the reference's.
  Tensor reference_rows = Tensor::empty({kPerRank, kClasses});
  std::copy_n(reference_step.logits().data<float>() + comm.rank() * kPerRank * kClasses,
              kPerRank * kClasses, reference_rows.data<float>());
  EXPECT_LT(worst_relative(step.logits(), reference_rows), 1e-5);
  EXPECT_LT(worst_relative(model->params().flat_grads(), reference->params().flat_grads()), 1e-4);
  EXPECT_LT(worst_relative(model->buffers().flat_values(), reference->buffers().flat_values()),
            1e-5);
}

// The control: without sync, a rank's batch statistics are its own, and its logits differ from
// the reference rows whenever there is more than one rank.
TEST(SyncBatchNorm, WithoutSyncTheLogitsDiffer) {
  const auto comm = dist::Communicator::world();
  const std::int64_t global = kPerRank * comm.size();
  auto reference = nn::create_model("regnety_test", {global, kResolution, kClasses});
  reference->allocate(4);
  Tensor all_images = Tensor::empty(reference->input_shape());
  Tensor all_targets = Tensor::empty({global, kClasses});
  fill_batch(0, global, all_images, all_targets);
  const Tensor& all_logits = reference->forward(all_images, true);

  auto model = nn::create_model("regnety_test", {kPerRank, kResolution, kClasses});
  model->allocate(4);
  Tensor images = Tensor::empty(model->input_shape());
  Tensor targets = Tensor::empty({kPerRank, kClasses});
  fill_batch(comm.rank() * kPerRank, kPerRank, images, targets);
  const Tensor& logits = model->forward(images, true);
  Tensor reference_rows = Tensor::empty({kPerRank, kClasses});
  std::copy_n(all_logits.data<float>() + comm.rank() * kPerRank * kClasses, kPerRank * kClasses,
              reference_rows.data<float>());
  if (comm.size() == 1)
    EXPECT_LT(worst_relative(logits, reference_rows), 1e-5);
  else
    EXPECT_GT(worst_relative(logits, reference_rows), 1e-3);
}

// bn.sync_group through ModelCollectives (as finetune and pretrain install it): with blocks of
// two ranks, a rank's logits are its rows of one rank's forward on its block's batch.
TEST(SyncGroup, ModelLogitsAreThoseOfItsBlocksBatch) {
  const auto comm = dist::Communicator::world();
  const std::int64_t n = comm.size() % 2 == 0 ? 2 : comm.size(), block = comm.rank() / n;
  auto reference = nn::create_model("regnety_test", {kPerRank * n, kResolution, kClasses});
  reference->allocate(4);
  Tensor block_images = Tensor::empty(reference->input_shape());
  Tensor block_targets = Tensor::empty({kPerRank * n, kClasses});
  fill_batch(block * n * kPerRank, kPerRank * n, block_images, block_targets);
  const Tensor& block_logits = reference->forward(block_images, true);

  auto model = nn::create_model("regnety_test", {kPerRank, kResolution, kClasses});
  model->allocate(4);
  const dist::ModelCollectives collectives(comm, *model, true, n);
  Tensor images = Tensor::empty(model->input_shape());
  Tensor targets = Tensor::empty({kPerRank, kClasses});
  fill_batch(comm.rank() * kPerRank, kPerRank, images, targets);
  const Tensor& logits = model->forward(images, true);
  Tensor rows = Tensor::empty({kPerRank, kClasses});
  std::copy_n(block_logits.data<float>() + (comm.rank() - block * n) * kPerRank * kClasses,
              kPerRank * kClasses, rows.data<float>());
  EXPECT_LT(worst_relative(logits, rows), 1e-5);
}
