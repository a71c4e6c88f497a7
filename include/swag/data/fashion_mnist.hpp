// Fashion-MNIST (Xiao et al. 2017) as Debian's dataset-fashion-mnist installs it: gzipped IDX
// files of 28x28 greyscale images and their labels 0-9.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "swag/data/image.hpp"

namespace swag::data {

inline constexpr const char* fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

struct FashionMnistSplit {
  std::vector<Image> images;
  std::vector<int> labels;
};

// split: "train" (60,000 images) or "t10k" (10,000). limit > 0 keeps the first limit images.
FashionMnistSplit read_fashion_mnist(const std::string& dir, const std::string& split,
                                     std::int64_t limit = 0);

}  // namespace swag::data
