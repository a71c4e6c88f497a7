// The resampling sampler: alias tables, importance f^(-1/2) with the max rule, the head/tail
// split, the alpha mixture checked statistically, and a global stream that is the same for
// any number of ranks and from any restart point.
#include <gtest/gtest.h>

#include <algorithm>
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

// The reference of the per-image definition, straight from the labels: I_i and tail_i.
struct PerImage {
  std::vector<double> importance;
  std::vector<bool> tail;
};

PerImage per_image(const MultiLabels& labels, std::int64_t head_threshold) {
  const auto f = labels.class_frequencies();
  PerImage p;
  for (std::int64_t i = 0; i < labels.num_images(); ++i) {
    double importance = 0;
    bool tail = false;
    for (const auto c : labels.of(i)) {
      importance = std::max(importance, 1.0 / std::sqrt(static_cast<double>(f[c])));
      tail = tail || f[c] < head_threshold;
    }
    p.importance.push_back(importance);
    p.tail.push_back(tail);
  }
  return p;
}

TEST(Sampler, BucketsHoldTheImagesOfEachRarestClassInOrder) {
  const MultiLabels labels = synthetic_labels();
  const ResamplingSampler sampler(labels, {0.7, threshold, 1});
  const auto& f = sampler.class_frequencies();
  EXPECT_EQ(f, (std::vector<std::int64_t>{4500, 2250, 950, 700, 150}));
  const SamplerBuckets& b = sampler.buckets();
  ASSERT_EQ(b.num_images(), labels.num_images());
  ASSERT_EQ(b.num_classes(), 5);
  // Bucket c lists, ascending, the images whose smallest f(h) is f(c).
  std::vector<std::vector<std::int64_t>> expected(5);
  for (std::int64_t i = 0; i < labels.num_images(); ++i) {
    std::int32_t rarest = labels.of(i)[0];
    for (const auto c : labels.of(i))
      if (f[c] < f[rarest]) rarest = c;
    expected[rarest].push_back(i);
  }
  const PerImage reference = per_image(labels, threshold);
  for (std::int64_t c = 0; c < 5; ++c) {
    std::vector<std::int64_t> got;
    for (std::int64_t k = b.offsets()[c]; k < b.offsets()[c + 1]; ++k) got.push_back(b.image(k));
    EXPECT_EQ(got, expected[c]) << "bucket " << c;
    for (const auto i : got) {
      EXPECT_DOUBLE_EQ(sampler.bucket_importance(c), reference.importance[i]) << i;
      EXPECT_EQ(!sampler.is_head_class(c), static_cast<bool>(reference.tail[i])) << i;
    }
  }
  EXPECT_EQ(sampler.num_head_images(), 4000 + 2000 + 200);
  EXPECT_EQ(sampler.num_tail_images(), labels.num_images() - 6200);
}

TEST(Sampler, RarestClassTiesGoToTheSmallestId) {
  const std::vector<std::int64_t> f = {5, 3, 3, 9};
  EXPECT_EQ(rarest_class(std::vector<std::int32_t>{0, 2, 3}, f), 2);
  EXPECT_EQ(rarest_class(std::vector<std::int32_t>{1, 2}, f), 1);
  EXPECT_EQ(rarest_class(std::vector<std::int32_t>{3}, f), 3);
  EXPECT_EQ(image_index_bytes(0), 4);
  EXPECT_EQ(image_index_bytes(std::int64_t{1} << 32), 4);
  EXPECT_EQ(image_index_bytes((std::int64_t{1} << 32) + 1), 5);
  EXPECT_EQ(image_index_bytes(3600000000000), 6);
}

TEST(Sampler, HeadFractionIsAlphaAndDrawsFollowImportance) {
  const MultiLabels labels = synthetic_labels();
  const double alpha = 0.7;
  const ResamplingSampler sampler(labels, {alpha, threshold, 5});
  const PerImage reference = per_image(labels, threshold);
  const std::uint64_t m = 1000000;
  const auto st = sample_statistics(sampler, labels, 0, rank_share(0, m, 0, 1));
  EXPECT_NEAR(static_cast<double>(st.head_samples) / m, alpha, 0.01);
  EXPECT_EQ(st.head_samples, static_cast<std::uint64_t>(std::floor(m * alpha)));

  // Per kind: its share of its group's draws is images * I / (sum of I over the group).
  std::map<std::vector<std::int32_t>, std::int64_t> drawn;
  for (std::int64_t g = 0; g < static_cast<std::int64_t>(m); ++g) {
    const auto classes = labels.of(sampler.image_at(0, g));
    ++drawn[std::vector<std::int32_t>(classes.begin(), classes.end())];
  }
  double head_mass = 0, tail_mass = 0;
  std::int64_t image = 0;
  std::vector<double> mass;
  for (const auto& kind : kinds) {
    mass.push_back(static_cast<double>(kind.images) * reference.importance[image]);
    (reference.tail[image] ? tail_mass : head_mass) += mass.back();
    image += kind.images;
  }
  image = 0;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    const bool tail = reference.tail[image];
    const std::int64_t trials = tail ? m - st.head_samples : st.head_samples;
    expect_binomial(drawn[kinds[k].classes], trials, mass[k] / (tail ? tail_mass : head_mass),
                    "kind " + std::to_string(k));
    image += kinds[k].images;
  }
}

// A dataset shaped like hashtag data: 1 to 3 distinct classes per image drawn from a Zipf law.
MultiLabels zipf_labels(std::int64_t images, std::int32_t classes, std::uint64_t seed) {
  std::vector<double> cdf;
  cdf.reserve(static_cast<std::size_t>(classes));
  double total = 0;
  for (std::int32_t c = 0; c < classes; ++c) cdf.push_back(total += 1.0 / std::pow(c + 1.0, 1.1));
  Rng rng(seed);
  MultiLabels labels;
  labels.num_classes = classes;
  for (std::int64_t i = 0; i < images; ++i) {
    const auto k = 1 + static_cast<int>(rng.next_u32() % 3);
    std::vector<std::int32_t> set;
    while (static_cast<int>(set.size()) < k) {
      const double u = rng.next_u32() / 4294967296.0 * total;
      const auto c =
          static_cast<std::int32_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
      if (std::find(set.begin(), set.end(), c) == set.end()) set.push_back(c);
    }
    std::sort(set.begin(), set.end());
    labels.add(set);
  }
  return labels;
}

// The sampler as it was before the buckets: one alias table over each group's images, weights
// I_i, with its own random stream. The reference the bucketed stream is compared with.
class PerImageSampler {
 public:
  PerImageSampler(const MultiLabels& labels, std::int64_t head_threshold, double alpha)
      : reference_(per_image(labels, head_threshold)), alpha_(alpha) {
    std::vector<double> head_weights, tail_weights;
    for (std::int64_t i = 0; i < labels.num_images(); ++i) {
      (reference_.tail[i] ? tail_ : head_).push_back(i);
      (reference_.tail[i] ? tail_weights : head_weights).push_back(reference_.importance[i]);
    }
    head_table_ = AliasTable(head_weights);
    tail_table_ = AliasTable(tail_weights);
  }
  std::int64_t image_at(std::uint64_t g, Rng& rng) const {
    const bool head = std::floor(static_cast<double>(g + 1) * alpha_) >
                      std::floor(static_cast<double>(g) * alpha_);
    const double u1 = rng.next_u32() / 4294967296.0, u2 = rng.next_u32() / 4294967296.0;
    return head ? head_[head_table_.sample(u1, u2)] : tail_[tail_table_.sample(u1, u2)];
  }
  const PerImage& reference() const { return reference_; }

 private:
  PerImage reference_;
  double alpha_;
  std::vector<std::int64_t> head_, tail_;
  AliasTable head_table_, tail_table_;
};

// The chi-squared value that a chi-squared variable with df degrees of freedom exceeds with
// probability about 1e-6 (Wilson-Hilferty).
double chi2_bound(double df) {
  const double z = 4.75, a = 2.0 / (9.0 * df);
  return df * std::pow(1 - a + z * std::sqrt(a), 3);
}

TEST(Sampler, BucketedStreamHasThePerImageDistributionByChiSquared) {
  const MultiLabels labels = zipf_labels(20000, 80, 11);
  const std::int64_t head_threshold = 600;
  const double alpha = 0.7;
  const ResamplingSampler sampler(labels, {alpha, head_threshold, 3});
  const PerImageSampler old(labels, head_threshold, alpha);
  const PerImage& ref = old.reference();
  const std::int64_t n = labels.num_images();
  ASSERT_GT(sampler.num_head_images(), 1000);
  ASSERT_GT(sampler.num_tail_images(), 1000);

  const std::uint64_t m = 4000000;
  std::vector<std::int64_t> count_new(n, 0), count_old(n, 0);
  std::uint64_t heads_new = 0, heads_old = 0;
  Rng rng(99);
  for (std::uint64_t g = 0; g < m; ++g) {
    const auto d = sampler.draw(0, g);
    ++count_new[d.image];
    heads_new += d.head;
    const std::int64_t i = old.image_at(g, rng);
    ++count_old[i];
    heads_old += !ref.tail[i];
  }
  // The head fraction: floor(m alpha) of m in both.
  EXPECT_EQ(heads_new, static_cast<std::uint64_t>(std::floor(m * alpha)));
  EXPECT_EQ(heads_old, heads_new);

  // Closed form, float64: p_i = I_i / (sum of I over i's group), times the group's draws.
  double head_mass = 0, tail_mass = 0;
  for (std::int64_t i = 0; i < n; ++i) (ref.tail[i] ? tail_mass : head_mass) += ref.importance[i];
  std::vector<double> expected(n);
  for (std::int64_t i = 0; i < n; ++i)
    expected[i] = ref.tail[i] ? static_cast<double>(m - heads_new) * ref.importance[i] / tail_mass
                              : static_cast<double>(heads_new) * ref.importance[i] / head_mass;

  // Goodness of fit per image (each image one category; rare ones pooled per group).
  auto goodness_of_fit = [&](const std::vector<std::int64_t>& count) {
    double chi2 = 0, df = -2;
    double pooled_expected[2] = {0, 0}, pooled_count[2] = {0, 0};
    for (std::int64_t i = 0; i < n; ++i) {
      if (expected[i] < 5) {
        pooled_expected[ref.tail[i]] += expected[i];
        pooled_count[ref.tail[i]] += static_cast<double>(count[i]);
        continue;
      }
      const double d = static_cast<double>(count[i]) - expected[i];
      chi2 += d * d / expected[i];
      df += 1;
    }
    for (int t = 0; t < 2; ++t)
      if (pooled_expected[t] > 0) {
        const double d = pooled_count[t] - pooled_expected[t];
        chi2 += d * d / pooled_expected[t];
        df += 1;
      }
    return std::pair{chi2, df};
  };
  const auto [chi2_new, df] = goodness_of_fit(count_new);
  const auto [chi2_old, df_old] = goodness_of_fit(count_old);
  EXPECT_LT(chi2_new, chi2_bound(df)) << "bucketed sampler, " << df << " degrees of freedom";
  EXPECT_LT(chi2_old, chi2_bound(df_old)) << "per-image reference";

  // The two streams against each other: equal-size samples per group, homogeneity per image.
  double chi2_two = 0, df_two = -2;
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = static_cast<double>(count_new[i]), b = static_cast<double>(count_old[i]);
    if (a + b == 0) continue;
    chi2_two += (a - b) * (a - b) / (a + b);
    df_two += 1;
  }
  EXPECT_LT(chi2_two, chi2_bound(df_two)) << "new against old, " << df_two << " degrees of freedom";

  // Per class: samples whose image carries c. In each group every draw carries c with the same
  // probability, so each count is binomial; the difference of the two streams' counts has twice
  // that variance.
  std::vector<double> p_head(80, 0), p_tail(80, 0);
  std::vector<std::int64_t> class_new(80, 0), class_old(80, 0);
  for (std::int64_t i = 0; i < n; ++i)
    for (const auto c : labels.of(i)) {
      (ref.tail[i] ? p_tail : p_head)[c] +=
          ref.importance[i] / (ref.tail[i] ? tail_mass : head_mass);
      class_new[c] += count_new[i];
      class_old[c] += count_old[i];
    }
  const auto mh = static_cast<double>(heads_new), mt = static_cast<double>(m - heads_new);
  for (int c = 0; c < 80; ++c) {
    const double mean = mh * p_head[c] + mt * p_tail[c];
    const double var = mh * p_head[c] * (1 - p_head[c]) + mt * p_tail[c] * (1 - p_tail[c]);
    EXPECT_LT(std::abs(static_cast<double>(class_new[c]) - mean), 5 * std::sqrt(var) + 1e-9)
        << "class " << c;
    EXPECT_LT(std::abs(static_cast<double>(class_new[c] - class_old[c])),
              5 * std::sqrt(2 * var) + 1e-9)
        << "class " << c << " against the per-image sampler";
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
