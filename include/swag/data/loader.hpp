// The training loader: each rank's share of the resampled stream, read from the shards,
// decoded and augmented by worker threads, a few steps ahead of the trainer.
//
// Step s of a run with global batch G consumes stream positions [s*G, (s+1)*G); rank r of W
// takes the contiguous block [s*G + r*G/W, s*G + (r+1)*G/W). Position g's image comes from the
// sampler and its crop and flip from the Philox stream (seed, g): batches never depend on
// thread timing, the number of workers or the number of ranks.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "swag/core/tensor.hpp"
#include "swag/data/multi_labels.hpp"
#include "swag/data/resampling_sampler.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {

struct LoaderOptions {
  std::string data_dir;
  std::int64_t global_batch = 1, local_batch = 1, rank = 0;
  int resolution = 224;
  int workers = 2;   // decoding threads
  int prefetch = 2;  // batches prepared ahead
  std::uint64_t seed = 0;
  SamplerOptions sampler;
};

class Loader {
 public:
  explicit Loader(const LoaderOptions& options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  std::int64_t num_classes() const { return labels_.num_classes; }
  const std::string& vocab_sha256() const { return vocab_sha256_; }
  // Blocks until step's batch is ready: images NHWC [local, R, R, 3], targets [local, C] with
  // 1/K on each of an image's K classes.
  void fill(std::int64_t step, Tensor& images, Tensor& targets);

 private:
  struct Slot {
    std::int64_t step = -1;
    Tensor images, targets;
    std::int64_t pending = 0;  // samples not decoded yet
    std::string error;         // the first decoding failure, re-thrown to the trainer
  };
  void schedule(Slot& slot, std::int64_t step);
  void work();
  void decode(Slot& slot, std::int64_t i);

  LoaderOptions options_;
  MultiLabels labels_;
  std::string vocab_sha256_;
  std::unique_ptr<ResamplingSampler> sampler_;
  std::vector<std::unique_ptr<ShardReader>> shards_;
  std::vector<std::int64_t> shard_start_;  // global image index of each shard's first image

  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable work_ready_, slot_done_;
  std::deque<std::pair<Slot*, std::int64_t>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace swag::data
