#include "swag/eval/zero_shot_scores.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "swag/core/error.hpp"
#include "swag/core/json_integer.hpp"

namespace swag::eval {

Aggregate parse_aggregate(std::string_view name) {
  if (name == "sum") return Aggregate::sum;
  if (name == "mean") return Aggregate::mean;
  if (name == "max") return Aggregate::max;
  if (name == "split-max") return Aggregate::split_max;
  fail(ExitCode::usage, "unknown aggregation '{}' (expected sum, mean, max or split-max)", name);
}

std::string_view aggregate_name(Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::sum: return "sum";
    case Aggregate::mean: return "mean";
    case Aggregate::max: return "max";
    case Aggregate::split_max: return "split-max";
  }
  return "?";
}

std::vector<std::int64_t> targets_per_hashtag(const ClassMapping& mapping,
                                              std::int64_t num_hashtags) {
  std::vector<std::int64_t> count(static_cast<std::size_t>(num_hashtags), 0);
  for (std::size_t c = 0; c < mapping.size(); ++c) {
    std::vector<std::size_t> sorted = mapping[c];
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      if (sorted[j] >= count.size())
        fail(ExitCode::input, "the mapping gives target {} hashtag class {}, but there are {}", c,
             sorted[j], num_hashtags);
      if (j > 0 && sorted[j] == sorted[j - 1])
        fail(ExitCode::input, "the mapping lists hashtag class {} twice for target {}", sorted[j],
             c);
      ++count[sorted[j]];
    }
  }
  return count;
}

Tensor zero_shot_scores(const Tensor& hashtag_probs, const ClassMapping& mapping,
                        Aggregate aggregate) {
  SWAG_CHECK(hashtag_probs.rank() == 2, "hashtag probabilities of shape {}",
             shape_str(hashtag_probs.shape()));
  const std::int64_t n = hashtag_probs.dim(0), h = hashtag_probs.dim(1);
  const auto c = static_cast<std::int64_t>(mapping.size());
  const std::vector<std::int64_t> shared = targets_per_hashtag(mapping, h);  // also validates
  Tensor out = Tensor::zeros({n, c});
  const float* p = hashtag_probs.data<float>();
  float* s = out.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = p + i * h;
    for (std::int64_t k = 0; k < c; ++k) {
      const auto& hashtags = mapping[static_cast<std::size_t>(k)];
      if (hashtags.empty()) continue;
      double v = 0;
      for (const std::size_t t : hashtags) {
        const double x = row[t];
        switch (aggregate) {
          case Aggregate::sum:
          case Aggregate::mean: v += x; break;
          case Aggregate::max: v = std::max(v, x); break;
          case Aggregate::split_max: v = std::max(v, x / static_cast<double>(shared[t])); break;
        }
      }
      if (aggregate == Aggregate::mean) v /= static_cast<double>(hashtags.size());
      s[i * c + k] = static_cast<float>(v);
    }
  }
  return out;
}

void normalize_rows(Tensor& scores) {
  const std::int64_t n = scores.dim(0), c = scores.dim(1);
  float* s = scores.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    float* row = s + i * c;
    double sum = 0;
    for (std::int64_t k = 0; k < c; ++k) sum += row[k];
    for (std::int64_t k = 0; k < c; ++k)
      row[k] = sum > 0 ? static_cast<float>(row[k] / sum) : 1.0F / static_cast<float>(c);
  }
}

MappingFile read_mapping_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ExitCode::io, "{}: cannot open the mapping", path);
  MappingFile m;
  try {
    const auto j = nlohmann::json::parse(in);
    if (j.at("format") != "swag-zeroshot-mapping")
      fail(ExitCode::input, "{}: not a swag zero-shot mapping (format != swag-zeroshot-mapping)",
           path);
    m.num_classes = json_integer<std::int64_t>(j.at("num_classes"));
    m.vocab_sha256 = j.at("vocab_sha256").get<std::string>();
    const auto& targets = j.at("targets");
    m.mapping.resize(targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) {
      if (json_integer<std::size_t>(targets[t].at("target")) != t)
        fail(ExitCode::input, "{}: targets[{}] has target {}, expected {}", path, t,
             targets[t].at("target").dump(), t);
      for (const auto& c : targets[t].at("classes")) {
        const auto id = json_integer<std::int64_t>(c);
        if (id < 0 || id >= m.num_classes)
          fail(ExitCode::input, "{}: target {} maps to class {} of {}", path, t, id, m.num_classes);
        m.mapping[t].push_back(static_cast<std::size_t>(id));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    fail(ExitCode::input, "{}: bad mapping: {}", path, e.what());
  }
  return m;
}

}  // namespace swag::eval
