// The weak labels of the demo dataset (doc/demo.md): what people might tag a Fashion-MNIST
// picture with. Classes are tagged with a Zipf-like popularity (a long tail, as on Instagram);
// each has raw hashtags ordered from most to least used, drawn Zipf-like; generic noise tags
// and, now and then, a popular class's tags are mixed in, as in real hashtag data.
#pragma once
#include <string>
#include <vector>

#include "swag/core/rng.hpp"

namespace swag::data {

struct DemoClass {
  std::string name;                   // Fashion-MNIST's class name
  std::string label;                  // the class's hashtag in the evaluation vocabulary
  std::string wnid;                   // WordNet 3.0 noun synset, "n%08d"
  int popularity;                     // rank of the class's hashtags by use: 1 most used
  std::vector<std::string> hashtags;  // specific tags, most used first
  std::vector<std::string> generic;   // what a picture not tagged specifically gets instead
};

// Indexed by the Fashion-MNIST label (0 T-shirt/top ... 9 Ankle boot).
const std::vector<DemoClass>& demo_classes();
const std::vector<std::string>& demo_noise_hashtags();

struct DemoTagOptions {
  double noise = 0.15;          // chance that a tag is a generic noise tag
  double wrong_class = 0.05;    // chance that a tag comes from another class's list
  double zipf_exponent = 1.0;   // the k-th tag of a list has weight 1 / k^s
  double class_exponent = 0.5;  // a class of popularity r is tagged specifically w.p. 1 / r^s
};

// 1 to 5 distinct raw hashtags ("#sneakers", now and then capitalized) for an image of class
// label, drawn from rng. The image is tagged specifically with probability 1 / r^class_exponent
// (r its class's popularity), else with its class's generic tags; tags of another class come
// from a class drawn by popularity.
std::vector<std::string> demo_hashtags(int label, Rng& rng, const DemoTagOptions& options = {});

}  // namespace swag::data
