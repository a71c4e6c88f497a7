// ReaL label sets and ObjectNet's class restriction (eval/test_set_scoring.hpp) on hand-worked
// cases, and the errors of their input files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "swag/core/error.hpp"
#include "swag/eval/test_set_scoring.hpp"

using namespace swag;

namespace {

Tensor rows(std::int64_t n, std::int64_t c, const std::vector<float>& v) {
  Tensor t = Tensor::empty({n, c});
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("swag_test_set_scoring_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

// The error's exit code, after checking that its message holds `names`.
template <class F>
ExitCode error_of(F f, const std::string& names) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
    return e.code();
  }
  return ExitCode::ok;
}

}  // namespace

TEST(RealLabels, CorrectWhenThePredictionIsInTheSetAndEmptySetsExcluded) {
  // 4 images, 7 classes. Ranks: row 0 ranks class 3 first; row 1 class 0 first (tie with 1 goes
  // to the lower index); row 2 ranks classes 6,5,4,3,2,1,0; row 3 has no label.
  const Tensor s = rows(4, 7, {0.1f, 0.0f, 0.0f, 0.9f, 0.0f, 0.0f, 0.0f,  //
                               0.4f, 0.4f, 0.1f, 0.1f, 0.0f, 0.0f, 0.0f,  //
                               0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f,  //
                               1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  // Row 0: {0, 3} holds the top class. Row 1: {1} ranks second: top-5 only. Row 2: {0, 2}
  // rank 7th and 5th: top-5 through class 2. Row 3: empty, excluded.
  const auto c = eval::count_topk_sets(s, {{0, 3}, {1}, {0, 2}, {}});
  // Row 2 with {0, 1} (7th and 6th) is outside the top 5.
  EXPECT_EQ(eval::count_topk_sets(s, {{0, 3}, {1}, {0, 1}, {}}).counts.top5, 2);
  EXPECT_EQ(c.excluded, 1);
  EXPECT_EQ(c.counts.n, 3);
  EXPECT_EQ(c.counts.top1, 1);
  EXPECT_EQ(c.counts.top5, 3);
  // Single-element sets are plain top-k.
  const auto single = eval::count_topk_sets(s, {{3}, {1}, {0}, {0}});
  const auto plain = eval::count_topk(s, std::vector<std::int32_t>{3, 1, 0, 0});
  EXPECT_EQ(single.counts.top1, plain.top1);
  EXPECT_EQ(single.counts.top5, plain.top5);
  EXPECT_EQ(single.excluded, 0);
}

TEST(ObjectNet, ThePredictionAmongAllowedClassesMapsToAnObjectNetClass) {
  // 6 IN classes; ObjectNet class 0 <- {4}, class 1 <- {0, 2}; IN classes 1, 3, 5 not allowed.
  eval::ObjectNetMapping m;
  m.in1k = {{4}, {0, 2}};
  m.in1k_classes = 6;
  // Row 0: IN argmax is 5 (not allowed); best allowed is 2 -> ObjectNet 1. Row 1: best allowed is
  // 4 -> ObjectNet 0.
  const Tensor s = rows(2, 6,
                        {0.1f, 0.0f, 0.2f, 0.0f, 0.15f, 0.55f,  //
                         0.2f, 0.4f, 0.1f, 0.0f, 0.3f, 0.0f});
  const Tensor o = eval::objectnet_scores(s, m);
  ASSERT_EQ(o.shape(), (Shape{2, 2}));
  EXPECT_FLOAT_EQ(o.data<float>()[0], 0.15f);
  EXPECT_FLOAT_EQ(o.data<float>()[1], 0.2f);
  EXPECT_FLOAT_EQ(o.data<float>()[2], 0.3f);
  EXPECT_FLOAT_EQ(o.data<float>()[3], 0.2f);
  const auto c = eval::count_topk(o, std::vector<std::int32_t>{1, 1});
  EXPECT_EQ(c.top1, 1);  // row 0 right, row 1 wrong
}

TEST(RealLabels, BadRecordsNameTheFileAndRecord) {
  const auto ok = write_temp("ok.json", "[[1, 2], [], [0]]");
  const auto sets = eval::read_real_labels(ok, 3);
  ASSERT_EQ(sets.size(), 3U);
  EXPECT_EQ(sets[0], (std::vector<std::int32_t>{1, 2}));
  EXPECT_TRUE(sets[1].empty());
  const auto range = write_temp("range.json", "[[1], [0, 3]]");
  EXPECT_EQ(error_of([&] { eval::read_real_labels(range, 3); }, range + ": record 1 holds 3"),
            ExitCode::input);
  const auto not_list = write_temp("not_list.json", "[[1], 2]");
  EXPECT_EQ(error_of([&] { eval::read_real_labels(not_list, 3); }, not_list + ": record 1 is 2"),
            ExitCode::input);
  const auto text = write_temp("text.json", "[[1], [\"a\"]]");
  EXPECT_EQ(error_of([&] { eval::read_real_labels(text, 3); }, "record 1 holds \"a\""),
            ExitCode::input);
  const auto broken = write_temp("broken.json", "[[1], [");
  EXPECT_EQ(error_of([&] { eval::read_real_labels(broken, 3); }, broken + ": not JSON"),
            ExitCode::input);
  EXPECT_EQ(error_of([&] { eval::read_real_labels(ok + ".missing", 3); }, ".missing: cannot open"),
            ExitCode::io);
  for (const auto& p : {ok, range, not_list, text, broken}) std::filesystem::remove(p);
}

TEST(ObjectNet, BadMappingsNameTheFileAndClass) {
  const auto head = std::string(R"({"format": "swag-objectnet-mapping", "in1k_classes": 4, )");
  const auto ok = write_temp(
      "on_ok.json", head + R"("classes": [)" + R"({"objectnet": 0, "name": "a", "in1k": [3]},)" +
                        R"({"objectnet": 1, "name": "b", "in1k": [0, 1]}]})");
  const auto m = eval::read_objectnet_mapping(ok);
  EXPECT_EQ(m.in1k, (eval::ClassMapping{{3}, {0, 1}}));
  EXPECT_EQ(m.names, (std::vector<std::string>{"a", "b"}));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"("classes": [{"objectnet": 0, "name": "a", "in1k": [4]}]})",
       "classes[0] (a) maps IN-1k class 4"},
      {R"("classes": [{"objectnet": 0, "name": "a", "in1k": [1]}, {"objectnet": 1, "name": "b", "in1k": [1]}]})",
       "IN-1k class 1 maps to classes[0] and classes[1]"},
      {R"("classes": [{"objectnet": 1, "name": "a", "in1k": [1]}]})", "classes[0] has objectnet 1"},
      {R"("classes": [{"objectnet": 0, "name": "a", "in1k": []}]})",
       "classes[0] (a) maps no IN-1k"},
      {R"("classes": []})", "no ObjectNet classes"},
      {R"("classes": [{"objectnet": 0, "in1k": [1]}]})", "bad ObjectNet mapping"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const auto path = write_temp("on_bad" + std::to_string(i) + ".json", head + bad[i].first);
    EXPECT_EQ(error_of([&] { eval::read_objectnet_mapping(path); }, path + ": " + bad[i].second),
              ExitCode::input)
        << bad[i].first;
    std::filesystem::remove(path);
  }
  std::filesystem::remove(ok);
}
