// Where training batches come from. A source fills the rank's part of the global batch of a
// step: global samples [step * global_batch + rank * local_batch, ... + local_batch). Every
// sample is a pure function of (seed, global sample index), so the stream is the same for any
// world size and any restart point.
#pragma once
#include <cstdint>
#include <memory>

#include "swag/core/tensor.hpp"
#include "swag/data/loader.hpp"

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
  // images are f32, or u8 where fills_u8() says so.
  virtual void fill(std::int64_t step, Tensor& images, Tensor& targets) = 0;
  // Whether fill also takes u8 images: the RGB bytes that ops::normalize_images turns into
  // exactly the f32 images (StagedBatch then sends bytes to the GPU and normalizes there).
  virtual bool fills_u8() const { return false; }
  // Corrupt images replaced in the batches filled so far (data::Loader::bad_draws).
  virtual std::int64_t bad_draws() const { return 0; }
};

// Synthetic images for tests and smoke runs: sample g belongs to class hash(seed, g) mod C and
// shows that class's fixed random pattern plus noise, so a model can learn it.
std::unique_ptr<BatchSource> make_synthetic_source(const BatchLayout& layout);

// The shards through data::Loader (same sample positions as BatchLayout::first_sample).
class ShardSource final : public BatchSource {
 public:
  explicit ShardSource(const data::LoaderOptions& options) : loader_(options) {}
  void fill(std::int64_t step, Tensor& images, Tensor& targets) override {
    loader_.fill(step, images, targets);
  }
  bool fills_u8() const override { return true; }  // data::Loader writes either
  std::int64_t bad_draws() const override { return loader_.bad_draws(); }
  std::int64_t num_classes() const { return loader_.num_classes(); }
  const std::string& vocab_sha256() const { return loader_.vocab_sha256(); }

 private:
  data::Loader loader_;
};

inline std::unique_ptr<ShardSource> make_shard_source(const data::LoaderOptions& options) {
  return std::make_unique<ShardSource>(options);
}

}  // namespace swag::train
