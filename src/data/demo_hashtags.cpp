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

const std::string& draw_tag(int label, Rng& rng, const DemoTagOptions& options) {
  const auto& classes = demo_classes();
  const float u = rng.uniform();
  if (u < options.noise) {
    const auto& noise = demo_noise_hashtags();
    return noise[zipf_index(static_cast<int>(noise.size()), options.zipf_exponent, rng)];
  }
  int source = label;
  if (u < options.noise + options.wrong_class) {  // another class, uniformly
    const int n = static_cast<int>(classes.size());
    source = (label + 1 + static_cast<int>(rng.next_u32() % static_cast<std::uint32_t>(n - 1))) % n;
  }
  const auto& tags = classes[source].hashtags;
  return tags[zipf_index(static_cast<int>(tags.size()), options.zipf_exponent, rng)];
}

}  // namespace

const std::vector<DemoClass>& demo_classes() {
  static const std::vector<DemoClass> classes = {
      {"T-shirt/top",
       "tshirt",
       "n03595614",
       {"teeshirt", "clothing", "tee", "tshirt", "top", "tanktop", "jersey"}},
      {"Trouser",
       "trouser",
       "n04489008",
       {"pants", "clothing", "trousers", "jeans", "slacks", "chinos", "leggings"}},
      {"Pullover",
       "pullover",
       "n04021028",
       {"sweater", "clothing", "pullover", "jumper", "knitwear", "sweatshirt", "cardigan"}},
      {"Dress",
       "dress",
       "n03236735",
       {"dress", "clothing", "gown", "frock", "sundress", "minidress"}},
      {"Coat",
       "coat",
       "n03057021",
       {"coat", "clothing", "jacket", "overcoat", "parka", "trenchcoat", "outerwear"}},
      {"Sandal",
       "sandal",
       "n04133789",
       {"sandals", "footwear", "flipflops", "slides", "sandal", "shoes"}},
      {"Shirt",
       "shirt",
       "n04197391",
       {"shirt", "clothing", "blouse", "flannel", "buttondown", "oxford", "shirts"}},
      {"Sneaker",
       "sneaker",
       "n03472535",
       {"sneakers", "footwear", "trainers", "kicks", "shoes", "sneakerhead", "gymshoes"}},
      {"Bag",
       "bag",
       "n02774152",
       {"bag", "handbag", "accessories", "purse", "tote", "backpack", "clutch"}},
      {"Ankle boot",
       "ankleboot",
       "n02872752",
       {"boots", "footwear", "ankleboots", "booties", "bootie", "chelseaboots", "shoes"}},
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
  std::vector<std::string> tags;
  for (int attempt = 0; static_cast<int>(tags.size()) < count && attempt < 50; ++attempt) {
    std::string tag = "#" + draw_tag(label, rng, options);
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
