// Where training batches come from. A source fills the rank's part of the global batch of a
// step: global samples [step * global_batch + rank * local_batch, ... + local_batch). Every
// sample is a pure function of (seed, global sample index), so the stream is the same for any
// world size and any restart point.
#pragma once
#include <cstdint>
#include <memory>

#include "swag/core/tensor.hpp"

namespace swag::train {

struct BatchLayout {
  std::int64_t global_batch = 1, local_batch = 1, rank = 0;
  std::int64_t resolution = 32, num_classes = 10;
  std::uint64_t seed = 0;
  std::int64_t first_sample(std::int64_t step) const {
    return step * global_batch + rank * local_batch;
  }
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // images: NHWC [local_batch, R, R, 3]; targets: [local_batch, classes], rows summing to 1.
  virtual void fill(std::int64_t step, Tensor& images, Tensor& targets) = 0;
};

// Synthetic images for tests and smoke runs: sample g belongs to class hash(seed, g) mod C and
// shows that class's fixed random pattern plus noise, so a model can learn it.
std::unique_ptr<BatchSource> make_synthetic_source(const BatchLayout& layout);

}  // namespace swag::train
