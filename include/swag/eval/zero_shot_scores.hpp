// Zero-shot class scores (paper 4.4 and App. D; doc/zeroshot.md): the hashtag probabilities of
// a pre-trained model (N×H, a softmax over the H hashtag classes) become scores for the C
// target classes through the many-to-many mapping of `swag vocab map` (mapping.json): target
// class c gets the hashtag classes M(c) of maximum WordNet path similarity.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "swag/core/tensor.hpp"

namespace swag::eval {

// M: for each target class c, the hashtag classes (columns of the probabilities) mapped to it.
using ClassMapping = std::vector<std::vector<std::size_t>>;

enum class Aggregate {
  sum,        // s_c = Σ_{h∈M(c)} p_h          (App. D, RegNetY with Platt scaling)
  mean,       // s_c = Σ_{h∈M(c)} p_h / |M(c)| (App. D, RegNetY without Platt scaling)
  max,        // s_c = max_{h∈M(c)} p_h
  split_max,  // s_c = max_{h∈M(c)} p_h / N_h, N_h = #{c' : h ∈ M(c')}  (App. D, ViT)
};

// "sum", "mean", "max", "split-max"; anything else is a usage error (exit 2).
Aggregate parse_aggregate(std::string_view name);
std::string_view aggregate_name(Aggregate aggregate);

// Scores float32 [N, C] from hashtag_probs float32 [N, H]. A target with no hashtag class scores
// 0. A hashtag id >= H, or one listed twice for a target, is an input error (exit 4).
Tensor zero_shot_scores(const Tensor& hashtag_probs, const ClassMapping& mapping,
                        Aggregate aggregate);

// N_h for each hashtag class h < num_hashtags: how many targets M maps h to.
std::vector<std::int64_t> targets_per_hashtag(const ClassMapping& mapping,
                                              std::int64_t num_hashtags);

// Each row divided by its sum, in place, so that it lies on the simplex as Platt scaling
// expects (argmax unchanged); a row summing to 0 becomes uniform.
void normalize_rows(Tensor& scores);

// mapping.json (`swag vocab map`, doc/formats.md) read into the class mapping M.
struct MappingFile {
  ClassMapping mapping;          // [num_targets] -> hashtag class ids
  std::int64_t num_classes = 0;  // hashtag classes of the vocabulary
  std::string vocab_sha256;
};

// Errors (exit 4) name the file and the entry.
MappingFile read_mapping_file(const std::string& path);

}  // namespace swag::eval
