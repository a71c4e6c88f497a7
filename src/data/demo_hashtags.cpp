// The demo's hashtag generator (doc/demo.md, "How the hashtags are drawn").
#include "swag/data/demo_hashtags.hpp"

#include <algorithm>
#include <cmath>

#include "swag/core/error.hpp"

namespace swag::data {
namespace {

// An index k with probability weights[k] / sum.
int weighted_index(const std::vector<double>& weights, Rng& rng) {
  double total = 0;
  for (const double w : weights) total += w;
  double u = rng.uniform() * total;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    u -= weights[k];
    if (u < 0) return static_cast<int>(k);
  }
  return static_cast<int>(weights.size()) - 1;
}

// An index in [0, n) with weight 1 / (k + 1)^s.
int zipf_index(int n, double s, Rng& rng) {
  std::vector<double> weights;
  weights.reserve(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) weights.push_back(std::pow(k + 1.0, -s));
  return weighted_index(weights, rng);
}

double popularity_weight(const DemoClass& c, const DemoTagOptions& options) {
  return std::pow(c.popularity, -options.class_exponent);
}

// One tag for a picture of class label: noise, another class's tag (the class drawn by
// popularity, so popular tags leak most), or its own class's specific or generic tags.
const std::string& draw_tag(int label, bool specific, Rng& rng, const DemoTagOptions& options) {
  const auto& classes = demo_classes();
  const float u = rng.uniform();
  if (u < options.noise) {
    const auto& noise = demo_noise_hashtags();
    return noise[zipf_index(static_cast<int>(noise.size()), options.zipf_exponent, rng)];
  }
  if (u < options.noise + options.wrong_class) {
    std::vector<double> weights;
    for (std::size_t k = 0; k < classes.size(); ++k)
      weights.push_back(static_cast<int>(k) == label ? 0.0
                                                     : popularity_weight(classes[k], options));
    const auto& tags = classes[weighted_index(weights, rng)].hashtags;
    return tags[zipf_index(static_cast<int>(tags.size()), options.zipf_exponent, rng)];
  }
  const auto& tags = specific ? classes[label].hashtags : classes[label].generic;
  return tags[zipf_index(static_cast<int>(tags.size()), options.zipf_exponent, rng)];
}

}  // namespace

// Popularity (1: most tagged) is invented, Instagram-like: dresses, sneakers and bags lead,
// plain shirts and pullovers trail.
const std::vector<DemoClass>& demo_classes() {
  const std::vector<std::string> clothing = {"clothing"}, footwear = {"footwear", "shoes"};
  static const std::vector<DemoClass> classes = {
      {"T-shirt/top",
       "tshirt",
       "n03595614",
       4,
       {"teeshirt", "clothing", "tee", "tshirt", "top", "tanktop", "jersey"},
       clothing},
      {"Trouser",
       "trouser",
       "n04489008",
       8,
       {"pants", "clothing", "trousers", "jeans", "slacks", "chinos", "leggings"},
       clothing},
      {"Pullover",
       "pullover",
       "n04021028",
       9,
       {"sweater", "clothing", "pullover", "jumper", "knitwear", "sweatshirt", "cardigan"},
       clothing},
      {"Dress",
       "dress",
       "n03236735",
       1,
       {"dress", "clothing", "gown", "frock", "sundress", "minidress"},
       clothing},
      {"Coat",
       "coat",
       "n03057021",
       6,
       {"coat", "clothing", "jacket", "overcoat", "parka", "trenchcoat", "outerwear"},
       clothing},
      {"Sandal",
       "sandal",
       "n04133789",
       7,
       {"sandals", "footwear", "flipflops", "slides", "sandal", "shoes"},
       footwear},
      {"Shirt",
       "shirt",
       "n04197391",
       10,
       {"shirt", "clothing", "blouse", "flannel", "buttondown", "oxford", "shirts"},
       clothing},
      {"Sneaker",
       "sneaker",
       "n03472535",
       2,
       {"sneakers", "footwear", "trainers", "kicks", "shoes", "sneakerhead", "gymshoes"},
       footwear},
      {"Bag",
       "bag",
       "n02774152",
       3,
       {"bag", "handbag", "accessories", "purse", "tote", "backpack", "clutch"},
       {"accessories"}},
      {"Ankle boot",
       "ankleboot",
       "n02872752",
       5,
       {"boots", "footwear", "ankleboots", "booties", "bootie", "chelseaboots", "shoes"},
       footwear},
  };
  return classes;
}

const std::vector<std::string>& demo_noise_hashtags() {
  static const std::vector<std::string> noise = {"ootd",     "repost", "instagood",     "fashion",
                                                 "style",    "love",   "photooftheday", "nofilter",
                                                 "shopping", "outfit"};
  return noise;
}

std::vector<std::string> demo_hashtags(int label, Rng& rng, const DemoTagOptions& options) {
  SWAG_CHECK(label >= 0 && label < static_cast<int>(demo_classes().size()), "label {}", label);
  const int count = 1 + weighted_index({6, 5, 4, 3, 2}, rng);  // 1-5 tags, fewer more likely
  const bool specific = rng.uniform() < popularity_weight(demo_classes()[label], options);
  std::vector<std::string> tags;
  for (int attempt = 0; static_cast<int>(tags.size()) < count && attempt < 50; ++attempt) {
    std::string tag = "#" + draw_tag(label, specific, rng, options);
    if (rng.uniform() < 0.1f) tag[1] = static_cast<char>(std::toupper(tag[1]));
    const bool seen = std::any_of(tags.begin(), tags.end(), [&](const std::string& t) {
      return std::equal(t.begin(), t.end(), tag.begin(), tag.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
    });
    if (!seen) tags.push_back(std::move(tag));
  }
  return tags;
}

}  // namespace swag::data
