// The weak labels of the demo dataset (doc/demo.md): what people might tag a Fashion-MNIST
// picture with. Each class has raw hashtags ordered from most to least used (synonyms, slang,
// hypernyms), drawn Zipf-like; generic noise tags and, now and then, another class's tags are
// mixed in, as in real hashtag data.
#pragma once
#include <string>
#include <vector>

#include "swag/core/rng.hpp"

namespace swag::data {

struct DemoClass {
  std::string name;   // Fashion-MNIST's class name
  std::string label;  // the class's hashtag in the evaluation vocabulary
  std::string wnid;   // WordNet 3.0 noun synset, "n%08d"
  std::vector<std::string> hashtags;
};

// Indexed by the Fashion-MNIST label (0 T-shirt/top ... 9 Ankle boot).
const std::vector<DemoClass>& demo_classes();
const std::vector<std::string>& demo_noise_hashtags();

struct DemoTagOptions {
  double noise = 0.15;         // chance that a tag is a generic noise tag
  double wrong_class = 0.05;   // chance that a tag comes from another class's list
  double zipf_exponent = 1.0;  // the k-th tag of a list has weight 1 / k^s
};

// 1 to 5 distinct raw hashtags ("#sneakers", now and then capitalized) for an image of class
// label, drawn from rng.
std::vector<std::string> demo_hashtags(int label, Rng& rng, const DemoTagOptions& options = {});

}  // namespace swag::data
