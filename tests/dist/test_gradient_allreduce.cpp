#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "swag/core/rng.hpp"
#include "swag/dist/gradient_allreduce.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/forward_backward.hpp"

using namespace swag;

namespace {

nn::ParameterStore store_of(const std::vector<std::int64_t>& sizes) {
  nn::ParameterStore s(true);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    s.add(fmt::format("p{}", i), {sizes[i]}, nn::Init::constant_value(0.0f));
  s.allocate();
  return s;
}

}  // namespace

TEST(Communicator, Collectives) {
  const auto comm = dist::Communicator::world();
  EXPECT_EQ(comm.max(comm.rank()), comm.size() - 1);
  EXPECT_EQ(comm.min(comm.rank() + 5), 5);
  EXPECT_DOUBLE_EQ(comm.sum(1.5), 1.5 * comm.size());
  Tensor t = Tensor::zeros({3});
  if (comm.rank() == 0) t.data<float>()[2] = 7.0f;
  comm.broadcast(t);
  EXPECT_EQ(t.data<float>()[2], 7.0f);
}

TEST(GradientAllReduce, BucketsCoverEveryParameterOnce) {
  const auto comm = dist::Communicator::world();
  auto s = store_of({3, 100, 1, 17, 64, 5});
  dist::GradientAllReduce ar(comm, s, 256);  // 64 floats a bucket
  EXPECT_GE(ar.buckets(), 3u);
  for (std::int64_t i = 0; i < s.size(); ++i) s.flat_grads().data<float>()[i] = 1.0f;
  ar.finish();
  // Every element was reduced exactly once: the average of ones is one.
  for (std::int64_t i = 0; i < s.size(); ++i) ASSERT_EQ(s.flat_grads().data<float>()[i], 1.0f) << i;
}

TEST(GradientAllReduce, AveragesStartedDuringBackward) {
  const auto comm = dist::Communicator::world();
  auto s = store_of({3, 100, 1, 17, 64, 5, 300});
  dist::GradientAllReduce ar(comm, s, 128);
  // Integer-valued gradients: sums are exact in float whatever the reduction order.
  auto value = [](int rank, std::int64_t i) { return static_cast<float>((rank + 1) * (i % 11)); };
  for (int step = 0; step < 2; ++step) {
    for (std::int64_t i = 0; i < s.size(); ++i)
      s.flat_grads().data<float>()[i] = value(comm.rank(), i);
    for (int p = static_cast<int>(s.entries().size()) - 1; p >= 0; --p) ar.ready_from(p);
    ar.finish();
    const double ranks = comm.size(), rank_sum = ranks * (ranks + 1) / 2;
    for (std::int64_t i = 0; i < s.size(); ++i)
      ASSERT_FLOAT_EQ(s.flat_grads().data<float>()[i],
                      static_cast<float>(rank_sum * (i % 11) / ranks))
          << "element " << i << " step " << step;
  }
}

// Data parallelism on a real model: each rank's gradient after the all-reduce equals the mean
// of the gradients of every rank's batch, computed here one batch after another.
TEST(GradientAllReduce, ModelGradientsAreTheMeanOverRanks) {
  const auto comm = dist::Communicator::world();
  const std::int64_t n = 2, classes = 3;
  auto model = nn::create_model("regnety_test", {n, 16, classes});
  model->allocate(9);
  Tensor targets = Tensor::zeros({n, classes});
  for (std::int64_t i = 0; i < n; ++i) targets.data<float>()[i * classes + i] = 1.0f;
  auto images_of = [&](int rank) {
    Tensor t = Tensor::empty(model->input_shape());
    Rng rng(5, static_cast<std::uint64_t>(rank));
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = rng.normal();
    return t;
  };
  train::ForwardBackward step(*model);
  const std::int64_t size = model->params().size();
  std::vector<double> expected(static_cast<std::size_t>(size));
  for (int r = 0; r < comm.size(); ++r) {
    step.run(*model, images_of(r), targets);
    for (std::int64_t i = 0; i < size; ++i)
      expected[i] += model->params().flat_grads().data<float>()[i] / comm.size();
  }
  dist::GradientAllReduce ar(comm, model->params(), 4096);
  model->set_gradient_ready_hook([&](int first) { ar.ready_from(first); });
  step.run(*model, images_of(comm.rank()), targets);
  ar.finish();
  double worst = 0, scale = 0;
  for (std::int64_t i = 0; i < size; ++i) {
    worst = std::max(worst, std::abs(model->params().flat_grads().data<float>()[i] - expected[i]));
    scale = std::max(scale, std::abs(expected[i]));
  }
  EXPECT_GT(scale, 0.0);
  EXPECT_LT(worst, 1e-5 * scale) << "worst " << worst << " of " << scale;
}
