// bn.sync_group (Figure 4): batch-norm statistics shared by blocks of N consecutive ranks, against
// a float64 reference of each block's statistics, for every N that divides the world size.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "swag/core/error.hpp"
#include "swag/core/rng.hpp"
#include "swag/dist/model_collectives.hpp"
#include "swag/dist/sync_batchnorm.hpp"
#include "swag/ops/batchnorm.hpp"

using namespace swag;

namespace {

constexpr std::int64_t kRows = 5, kChannels = 3;
constexpr double kEps = 1e-5;

// Rank r's activations [kRows, kChannels]: each channel with its own offset and scale, so that
// statistics of different blocks differ.
std::vector<float> activations(int rank) {
  Rng rng(23, static_cast<std::uint64_t>(rank));
  std::vector<float> x(kRows * kChannels);
  for (std::int64_t i = 0; i < kRows; ++i)
    for (std::int64_t c = 0; c < kChannels; ++c)
      x[i * kChannels + c] = (rng.normal() + static_cast<float>(rank)) * static_cast<float>(c + 1);
  return x;
}

struct Reference {
  std::vector<double> mean, biased_var, unbiased_var;
};

// float64 statistics per channel over the activations of ranks [first, first + n).
Reference block_statistics(int first, int n) {
  Reference r{std::vector<double>(kChannels, 0), std::vector<double>(kChannels, 0),
              std::vector<double>(kChannels, 0)};
  const double count = static_cast<double>(kRows) * n;
  for (int rank = first; rank < first + n; ++rank) {
    const auto x = activations(rank);
    for (std::int64_t i = 0; i < kRows; ++i)
      for (std::int64_t c = 0; c < kChannels; ++c) r.mean[c] += x[i * kChannels + c] / count;
  }
  for (int rank = first; rank < first + n; ++rank) {
    const auto x = activations(rank);
    for (std::int64_t i = 0; i < kRows; ++i)
      for (std::int64_t c = 0; c < kChannels; ++c) {
        const double d = x[i * kChannels + c] - r.mean[c];
        r.biased_var[c] += d * d / count;
        r.unbiased_var[c] += d * d / (count - 1);
      }
  }
  return r;
}

// One training forward of a batch norm whose sums run over `group`; returns y and fills the
// running statistics (from mean 0, variance 1, momentum 0.1).
std::vector<float> forward(const dist::Communicator& group, ops::BatchNormState& s) {
  auto x = activations(dist::Communicator::world().rank());
  const ops::CrossRankSum sum = [&group](double* v, std::int64_t n) { group.allreduce_sum(v, n); };
  ops::BatchNormDesc d{kRows, kChannels, static_cast<float>(kEps), 0.1f, false, &sum};
  s.gamma = Tensor::empty({kChannels});
  s.beta = Tensor::empty({kChannels});
  s.running_mean = Tensor::zeros({kChannels});
  s.running_var = Tensor::empty({kChannels});
  s.save_mean = Tensor::empty({kChannels});
  s.save_invstd = Tensor::empty({kChannels});
  for (std::int64_t c = 0; c < kChannels; ++c) {
    s.gamma.data<float>()[c] = 1.5f + static_cast<float>(c);
    s.beta.data<float>()[c] = -0.5f * static_cast<float>(c);
    s.running_var.data<float>()[c] = 1.0f;
  }
  Tensor tx = Tensor::view(x.data(), {kRows, kChannels});
  Tensor y = Tensor::empty({kRows, kChannels});
  ops::batchnorm_forward_train(d, tx, s, y);
  return {y.data<float>(), y.data<float>() + y.numel()};
}

}  // namespace

TEST(SyncGroup, StatisticsAreThoseOfTheRanksBlock) {
  const auto world = dist::Communicator::world();
  const int size = world.size(), rank = world.rank();
  for (int n = 0; n <= size; ++n) {
    if (n > 0 && size % n != 0) continue;
    const auto group = dist::sync_group_communicator(world, n);
    const int block = n == 0 ? size : n, first = rank / block * block;
    ASSERT_EQ(group.size(), block) << "bn.sync_group = " << n;
    ASSERT_EQ(group.rank(), rank - first);
    const Reference ref = block_statistics(first, block);
    ops::BatchNormState s;
    const auto y = forward(group, s);
    const auto x = activations(rank);
    for (std::int64_t c = 0; c < kChannels; ++c) {
      EXPECT_NEAR(s.save_mean.data<float>()[c], ref.mean[c], 1e-5 * (1 + std::abs(ref.mean[c])));
      EXPECT_NEAR(s.running_mean.data<float>()[c], 0.1 * ref.mean[c],
                  1e-6 * (1 + std::abs(ref.mean[c])));
      EXPECT_NEAR(s.running_var.data<float>()[c], 0.9 + 0.1 * ref.unbiased_var[c],
                  1e-5 * (1 + ref.unbiased_var[c]))
          << "bn.sync_group = " << n << ", channel " << c;
      for (std::int64_t i = 0; i < kRows; ++i) {
        const double want =
            (x[i * kChannels + c] - ref.mean[c]) / std::sqrt(ref.biased_var[c] + kEps) * (1.5 + c) -
            0.5 * c;
        EXPECT_NEAR(y[i * kChannels + c], want, 1e-4 * (1 + std::abs(want)))
            << "bn.sync_group = " << n << ", row " << i << ", channel " << c;
      }
    }
  }
}

// With more than one rank, blocks of one rank differ from all ranks: the control that the
// reference above can tell the groups apart.
TEST(SyncGroup, BlocksOfOneAreLocalStatistics) {
  const auto world = dist::Communicator::world();
  ops::BatchNormState local, all;
  forward(dist::sync_group_communicator(world, 1), local);
  forward(dist::sync_group_communicator(world, 0), all);
  const Reference own = block_statistics(world.rank(), 1);
  EXPECT_NEAR(local.save_mean.data<float>()[0], own.mean[0], 1e-5 * (1 + std::abs(own.mean[0])));
  if (world.size() > 1) {
    EXPECT_GT(std::abs(local.save_mean.data<float>()[0] - all.save_mean.data<float>()[0]), 1e-3);
  }
}

TEST(SyncGroup, AGroupThatDoesNotDivideTheRanksIsAConfigError) {
  const auto world = dist::Communicator::world();
  try {
    dist::sync_group_communicator(world, world.size() + 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::config);
    EXPECT_NE(std::string(e.what()).find("bn.sync_group = " + std::to_string(world.size() + 1)),
              std::string::npos)
        << e.what();
  }
}
