// Fine-tuning data: a deterministic share of a labelled dataset (the paper's 1%, 10% and 100%
// of the labels), and the stream that visits it epoch after epoch in a keyed order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "swag/data/loader.hpp"
#include "swag/data/multi_labels.hpp"

namespace swag::data {

// A bijection of [0, n) keyed by (seed, epoch): a four-round Feistel network over the smallest
// even number of bits that covers n, cycle-walking values >= n back into range. Stateless, so
// worker threads evaluate it without sharing anything.
std::uint64_t keyed_permutation(std::uint64_t i, std::uint64_t n, std::uint64_t seed,
                                std::uint64_t epoch);

struct SubsetOptions {
  double fraction = 1.0;  // in (0, 1]
  bool balanced = false;  // the same share of every class
  std::uint64_t seed = 0;
};

// Image indices, ascending. Plain: the first max(1, round(f*N)) images of a keyed permutation of
// all N. Balanced: max(1, round(f*n_c)) images of each class c (an image's class is its first
// label), taken in the same permuted order.
std::vector<std::int64_t> labelled_subset(const MultiLabels& labels, const SubsetOptions& options);

// The images a list file names (one image file name per line, such as the 1% and 10% ImageNet
// subsets of prior work), matched by base name against the paths of the manifest the shards were
// made from; `ids` are the dataset's images' manifest lines (read_image_ids). Image indices,
// ascending. Blank lines are skipped; a name not in the manifest, in it twice, or listed twice is
// an input error (exit 4) naming the list file and line.
std::vector<std::int64_t> listed_subset(const std::string& list, const std::string& manifest,
                                        const std::vector<std::int64_t>& ids);

// Position g = e*M + i of the stream shows subset[keyed_permutation(i, M, seed, e)].
ImageStream shuffled_epochs(std::vector<std::int64_t> subset, std::uint64_t seed);

// Evaluation: positions [0, n) show images 0..n-1 in order; later positions pad (-1).
ImageStream in_order(std::int64_t n);

}  // namespace swag::data
