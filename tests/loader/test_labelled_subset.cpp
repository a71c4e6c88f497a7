#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "swag/core/error.hpp"
#include "swag/data/labelled_subset.hpp"

using namespace swag::data;

namespace {

// n images; image i has class i % classes, except that class 0 holds every third image too.
MultiLabels labels_of(std::int64_t n, std::int32_t classes) {
  MultiLabels m;
  m.num_classes = classes;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t c = i % 3 == 0 ? 0 : static_cast<std::int32_t>(i % classes);
    m.add(std::span(&c, 1));
  }
  return m;
}

}  // namespace

TEST(KeyedPermutation, IsABijectionForAnySize) {
  for (std::uint64_t n : {1u, 2u, 3u, 7u, 64u, 1000u, 4097u}) {
    std::set<std::uint64_t> seen;
    for (std::uint64_t i = 0; i < n; ++i) seen.insert(keyed_permutation(i, n, 3, 1));
    EXPECT_EQ(seen.size(), n);
    EXPECT_LT(*seen.rbegin(), n);
  }
}

TEST(KeyedPermutation, EpochsAndSeedsShuffleDifferently) {
  const std::uint64_t n = 1000;
  int same_epoch = 0, same_seed = 0, fixed_points = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    same_epoch += keyed_permutation(i, n, 3, 0) == keyed_permutation(i, n, 3, 1);
    same_seed += keyed_permutation(i, n, 3, 0) == keyed_permutation(i, n, 4, 0);
    fixed_points += keyed_permutation(i, n, 3, 0) == i;
  }
  // A random permutation agrees with another in about one place.
  EXPECT_LT(same_epoch, 10);
  EXPECT_LT(same_seed, 10);
  EXPECT_LT(fixed_points, 10);
}

TEST(LabelledSubset, SizesAreTheFractionAndDeterministic) {
  const auto labels = labels_of(1000, 5);
  for (double f : {0.01, 0.1, 1.0}) {
    const auto a = labelled_subset(labels, {f, false, 7});
    EXPECT_EQ(static_cast<double>(a.size()), std::round(1000 * f));
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
    EXPECT_EQ(a, labelled_subset(labels, {f, false, 7}));
  }
  EXPECT_NE(labelled_subset(labels, {0.1, false, 7}), labelled_subset(labels, {0.1, false, 8}));
  // Smaller shares are drawn from the same order, so they nest.
  const auto small = labelled_subset(labels, {0.01, false, 7});
  const auto large = labelled_subset(labels, {0.1, false, 7});
  EXPECT_TRUE(std::includes(large.begin(), large.end(), small.begin(), small.end()));
}

TEST(LabelledSubset, BalancedTakesTheShareOfEveryClass) {
  const auto labels = labels_of(1000, 5);
  std::vector<int> total(5), picked(5);
  for (std::int64_t i = 0; i < 1000; ++i) ++total[static_cast<std::size_t>(labels.of(i)[0])];
  for (const auto i : labelled_subset(labels, {0.1, true, 7}))
    ++picked[static_cast<std::size_t>(labels.of(i)[0])];
  for (std::size_t c = 0; c < 5; ++c) EXPECT_EQ(picked[c], std::lround(0.1 * total[c])) << c;
  EXPECT_THROW(labelled_subset(labels, {0.0, false, 7}), swag::Error);
  EXPECT_THROW(labelled_subset(labels, {1.5, true, 7}), swag::Error);
}

TEST(ShuffledEpochs, EachEpochVisitsTheSubsetOnce) {
  const std::vector<std::int64_t> subset{3, 8, 20, 21, 40};
  const auto stream = shuffled_epochs(subset, 1);
  for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
    std::vector<std::int64_t> seen;
    for (std::uint64_t i = 0; i < subset.size(); ++i) seen.push_back(stream(epoch * 5 + i));
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, subset);
  }
  const auto eval = in_order(3);
  EXPECT_EQ(eval(2), 2);
  EXPECT_EQ(eval(3), -1);
}

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("swag_listed_subset_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

// A 1%-style list of file names picks the images of those manifest lines, wherever the shards put
// them; the answer is worked out by hand.
TEST(ListedSubset, PicksTheImagesOfTheNamedManifestLines) {
  const auto manifest = write_temp("manifest.tsv",
                                   "train/n01/a.JPEG\tdog\ntrain/n01/b.JPEG\tcat\n"
                                   "train/n02/c.JPEG\tcat\ntrain/n02/d.JPEG\tdog\n");
  // The shards hold manifest lines 3, 1, 4, 2 as images 0..3.
  const std::vector<std::int64_t> ids = {3, 1, 4, 2};
  const auto list = write_temp("list.txt", "d.JPEG\r\n\nn01/a.JPEG\n");
  EXPECT_EQ(listed_subset(list, manifest, ids), (std::vector<std::int64_t>{1, 2}));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"a.JPEG\nz.JPEG\n", ":2: image 'z.JPEG' is not in the manifest"},
      {"b.JPEG\nc.JPEG\nb.JPEG\n", ":3: image 'b.JPEG' is listed again (line 1)"},
      {"\n\n", ": lists no images"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const auto path = write_temp("bad" + std::to_string(i), bad[i].first);
    try {
      listed_subset(path, manifest, ids);
      ADD_FAILURE() << "no error for " << bad[i].first;
    } catch (const swag::Error& e) {
      EXPECT_EQ(e.code(), swag::ExitCode::input);
      EXPECT_NE(std::string(e.what()).find(path + bad[i].second), std::string::npos) << e.what();
    }
    std::filesystem::remove(path);
  }
  // Two manifest lines of one base name, and a line the shards do not hold.
  const auto twice_manifest = write_temp("twice_manifest.tsv", "x/a.JPEG\tdog\ny/a.JPEG\tcat\n");
  const auto one = write_temp("one.txt", "a.JPEG\n");
  try {
    listed_subset(one, twice_manifest, {1, 2});
    ADD_FAILURE() << "no error for a name twice in the manifest";
  } catch (const swag::Error& e) {
    EXPECT_NE(std::string(e.what()).find(one + ":1: image 'a.JPEG' is in the manifest"),
              std::string::npos)
        << e.what();
  }
  try {
    listed_subset(list, manifest, {1, 2, 3});
    ADD_FAILURE() << "no error for an image outside the shards";
  } catch (const swag::Error& e) {
    EXPECT_NE(std::string(e.what()).find(list + ":1: image 'd.JPEG' (manifest line 4) is not in"),
              std::string::npos)
        << e.what();
  }
  for (const auto& p : {manifest, list, twice_manifest, one}) std::filesystem::remove(p);
}
