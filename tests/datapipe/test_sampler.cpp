// The resampling sampler: alias tables, importance f^(-1/2) with the max rule, the head/tail
// split, the alpha mixture checked statistically, and a global stream that is the same for
// any number of ranks and from any restart point.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "swag/core/rng.hpp"
#include "swag/data/alias_table.hpp"
#include "swag/data/resampling_sampler.hpp"
#include "swag/data/sample_statistics.hpp"

namespace swag::data {
namespace {

// Count of draws within 5 standard deviations of the binomial expectation.
void expect_binomial(std::int64_t count, std::int64_t trials, double p, const std::string& what) {
  const double mean = static_cast<double>(trials) * p;
  const double sd = std::sqrt(static_cast<double>(trials) * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(count), mean, 5 * sd + 1e-9) << what;
}

TEST(AliasTable, DrawsInProportionToTheWeights) {
  const std::vector<double> w = {1, 2, 3, 4, 0, 10};
  const AliasTable table(w);
  std::vector<std::int64_t> count(w.size(), 0);
  Rng rng(3);
  const std::int64_t n = 400000;
  for (std::int64_t i = 0; i < n; ++i) {
    const double u1 = rng.next_u32() / 4294967296.0, u2 = rng.next_u32() / 4294967296.0;
    ++count[table.sample(u1, u2)];
  }
  EXPECT_EQ(count[4], 0);
  for (std::size_t k = 0; k < w.size(); ++k)
    expect_binomial(count[k], n, w[k] / 20.0, "weight " + std::to_string(w[k]));
}

// Label-set kinds of a synthetic dataset and how many images have each.
struct Kind {
  std::vector<std::int32_t> classes;
  std::int64_t images;
};

const std::vector<Kind> kinds = {
    {{0}, 4000}, {{1}, 2000},   {{2}, 900},    {{3}, 400},
    {{4}, 100},  {{0, 3}, 300}, {{0, 1}, 200}, {{1, 2, 4}, 50},
};

MultiLabels synthetic_labels() {
  MultiLabels labels;
  labels.num_classes = 5;
  for (const auto& kind : kinds)
    for (std::int64_t i = 0; i < kind.images; ++i) labels.add(kind.classes);
  return labels;
}

constexpr std::int64_t threshold = 1000;

TEST(Sampler, ImportanceIsTheMaxOfInverseSqrtFrequencies) {
  const MultiLabels labels = synthetic_labels();
  const ResamplingSampler sampler(labels, {0.7, threshold, 1});
  const auto& f = sampler.class_frequencies();
  EXPECT_EQ(f, (std::vector<std::int64_t>{4500, 2250, 950, 700, 150}));
  std::int64_t image = 0;
  for (const auto& kind : kinds) {
    double expected = 0;
    bool tail = false;
    for (const auto c : kind.classes) {
      expected = std::max(expected, 1.0 / std::sqrt(static_cast<double>(f[c])));
      tail |= f[c] < threshold;
    }
    EXPECT_DOUBLE_EQ(sampler.importance(image), expected);
    EXPECT_EQ(sampler.is_tail_image(image), tail);
    image += kind.images;
  }
  EXPECT_EQ(sampler.num_head_images(), 4000 + 2000 + 200);
  EXPECT_EQ(sampler.num_tail_images(), labels.num_images() - 6200);
}

TEST(Sampler, HeadFractionIsAlphaAndDrawsFollowImportance) {
  const MultiLabels labels = synthetic_labels();
  const double alpha = 0.7;
  const ResamplingSampler sampler(labels, {alpha, threshold, 5});
  const std::uint64_t m = 1000000;
  const auto st = sample_statistics(sampler, labels, 0, rank_share(0, m, 0, 1));
  EXPECT_NEAR(static_cast<double>(st.head_samples) / m, alpha, 0.01);
  EXPECT_EQ(st.head_samples, static_cast<std::uint64_t>(std::floor(m * alpha)));

  // Per kind: its share of its group's draws is images * I / (sum of I over the group).
  std::map<std::vector<std::int32_t>, std::int64_t> drawn;
  for (std::int64_t g = 0; g < static_cast<std::int64_t>(m); ++g)
    ++drawn[std::vector<std::int32_t>(labels.of(sampler.image_at(0, g)).begin(),
                                      labels.of(sampler.image_at(0, g)).end())];
  double head_mass = 0, tail_mass = 0;
  std::int64_t image = 0;
  std::vector<double> mass;
  for (const auto& kind : kinds) {
    mass.push_back(static_cast<double>(kind.images) * sampler.importance(image));
    (sampler.is_tail_image(image) ? tail_mass : head_mass) += mass.back();
    image += kind.images;
  }
  image = 0;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const bool tail = sampler.is_tail_image(image);
    const std::int64_t trials = tail ? m - st.head_samples : st.head_samples;
    expect_binomial(drawn[kinds[k].classes], trials, mass[k] / (tail ? tail_mass : head_mass),
                    "kind " + std::to_string(k));
    image += kinds[k].images;
  }
}

TEST(Sampler, EveryPrefixHasFloorNAlphaHeadPositions) {
  const MultiLabels labels = synthetic_labels();
  for (const double alpha : {0.0, 0.25, 0.7, 1.0 / 3, 1.0}) {
    const ResamplingSampler sampler(labels, {alpha, threshold, 0});
    std::uint64_t heads = 0;
    for (std::uint64_t n = 0; n < 5000; ++n) {
      ASSERT_EQ(heads, static_cast<std::uint64_t>(std::floor(n * alpha))) << alpha << " " << n;
      heads += sampler.head_position(n);
    }
  }
}

TEST(Sampler, AnEmptyGroupLeavesEveryDrawToTheOther) {
  const MultiLabels labels = synthetic_labels();
  const ResamplingSampler all_tail(labels, {0.7, 1000000, 0});
  EXPECT_EQ(all_tail.num_head_images(), 0);
  EXPECT_EQ(sample_statistics(all_tail, labels, 0, rank_share(0, 1000, 0, 1)).head_samples, 0u);
  const ResamplingSampler all_head(labels, {0.7, 1, 0});
  EXPECT_EQ(all_head.num_tail_images(), 0);
  EXPECT_EQ(sample_statistics(all_head, labels, 0, rank_share(0, 1000, 0, 1)).head_samples, 1000u);
}

TEST(Sampler, StreamIsTheSameForAnyRankCountAndRestartPoint) {
  const MultiLabels labels = synthetic_labels();
  const ResamplingSampler sampler(labels, {0.7, threshold, 42});
  const std::uint64_t m = 10007, epoch = 3;
  std::vector<std::int64_t> stream(m);
  for (std::uint64_t g = 0; g < m; ++g) stream[g] = sampler.image_at(epoch, g);

  // A second sampler (another process, say) agrees at every position.
  const ResamplingSampler again(labels, {0.7, threshold, 42});
  for (std::uint64_t g = 0; g < m; g += 97) EXPECT_EQ(again.image_at(epoch, g), stream[g]);

  for (const std::uint64_t restart : {0ull, 6ull, 4999ull}) {
    for (const int world : {1, 2, 3}) {
      std::vector<std::int64_t> merged(m, -1);
      for (int rank = 0; rank < world; ++rank) {
        const RankShare share = rank_share(restart, m, rank, world);
        for (std::uint64_t k = 0; k < share.count; ++k) {
          const std::uint64_t g = share.first + k * share.stride;
          ASSERT_EQ(merged[g], -1) << "position " << g << " drawn twice";
          merged[g] = sampler.image_at(epoch, g);
        }
      }
      for (std::uint64_t g = 0; g < m; ++g)
        ASSERT_EQ(merged[g], g < restart ? -1 : stream[g])
            << "world " << world << " restart " << restart << " position " << g;
    }
  }

  // Statistics summed over rank shares equal those of one rank.
  const auto whole = sample_statistics(sampler, labels, epoch, rank_share(0, m, 0, 1));
  std::uint64_t checksum = 0, heads = 0;
  for (int rank = 0; rank < 3; ++rank) {
    const auto part = sample_statistics(sampler, labels, epoch, rank_share(0, m, rank, 3));
    checksum += part.stream_checksum;
    heads += part.head_samples;
  }
  EXPECT_EQ(checksum, whole.stream_checksum);
  EXPECT_EQ(heads, whole.head_samples);
}

TEST(Sampler, EpochsAndSeedsGiveDifferentStreams) {
  const MultiLabels labels = synthetic_labels();
  const ResamplingSampler a(labels, {0.7, threshold, 1}), b(labels, {0.7, threshold, 2});
  int same_epoch = 0, same_seed = 0;
  for (std::uint64_t g = 0; g < 1000; ++g) {
    same_epoch += a.image_at(0, g) == a.image_at(1, g);
    same_seed += a.image_at(0, g) == b.image_at(0, g);
  }
  EXPECT_LT(same_epoch, 50);
  EXPECT_LT(same_seed, 50);
}

}  // namespace
}  // namespace swag::data
