// The loader: each rank's share of a stream of images, read from the shards, decoded and
// transformed by worker threads, a few steps ahead of the trainer. Which image each rank gets,
// and how a corrupt one is replaced: doc/engine.md, "The loader".
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "swag/core/tensor.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/resampling_sampler.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {

// Training: RandomResizedCrop and flip. Evaluation (§4.1): the shorter side resized to the
// resolution, then the centre square.
enum class Transform { train, eval };

// The image (index into the dataset) at stream position g, or -1 for none: that row of the
// batch is zeros, target included (evaluation pads its last batch this way).
using ImageStream = std::function<std::int64_t(std::uint64_t g)>;

struct LoaderOptions {
  std::string data_dir;
  // index.json as read by one rank and broadcast (shared_index in train/pretrain.cpp); read when
  // null.
  std::shared_ptr<const DatasetIndex> index;
  std::int64_t global_batch = 1, local_batch = 1, rank = 0;
  int resolution = 224;
  double min_crop_scale = 0.08;  // RandomResizedCrop's smallest share of the picture's area
  int workers = 2;               // decoding threads
  int prefetch = 2;              // batches prepared ahead
  int max_open_shards = 8;       // shard files each worker keeps open (least recently used closed)
  std::uint64_t seed = 0;
  SamplerOptions sampler;  // when `stream` is empty: the paper's resampling
  ImageStream stream;      // otherwise: this stream (called from the worker threads)
  Transform transform = Transform::train;
  bool dct_scaling = true;  // JPEG decode at a reduced scale when the crop allows it
  // Corrupt images tolerated, as a share of the dataset's (0: the first one is an error).
  double max_bad_fraction = 0;
  // Each shard file's SHA-256 checked against index.json before its first open (once per
  // loader, whichever worker opens it first).
  bool verify_shards = false;
};

// Shard files opened by a loader's workers: in all, open now, and the most open at once.
struct ShardCounters {
  std::atomic<std::int64_t> opened{0}, open{0}, peak{0};
};

// The SHA-256 of each shard file against its index entry, once per shard, for the workers
// together (LoaderOptions::verify_shards).
class ShardVerifier {
 public:
  explicit ShardVerifier(std::size_t shards) : once_(shards) {}
  // Fails (exit 4, naming the file and both digests) on a mismatch.
  void verify(std::int64_t k, const std::string& path, const ShardEntry& entry);

 private:
  std::vector<std::once_flag> once_;
};

// Shards opened on demand, the least recently used closed beyond a bound. One per worker.
class ShardCache {
 public:
  ShardCache(std::string dir, std::shared_ptr<const DatasetIndex> index, int capacity,
             ShardCounters* counters = nullptr, ShardVerifier* verifier = nullptr)
      : dir_(std::move(dir)),
        index_(std::move(index)),
        capacity_(capacity),
        counters_(counters),
        verifier_(verifier) {}
  ~ShardCache();
  ShardCache(const ShardCache&) = delete;
  ShardCache& operator=(const ShardCache&) = delete;
  // Shard k of the index (opened and checked against the index on first use).
  const ShardReader& get(std::int64_t k);
  std::int64_t open_count() const { return static_cast<std::int64_t>(open_.size()); }

 private:
  void close_least_recent();
  std::string dir_;
  std::shared_ptr<const DatasetIndex> index_;
  int capacity_;
  ShardCounters* counters_;
  ShardVerifier* verifier_;
  std::list<std::pair<std::int64_t, std::unique_ptr<ShardReader>>> open_;  // most recent first
};

class Loader {
 public:
  explicit Loader(const LoaderOptions& options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  std::int64_t num_classes() const { return index_->num_classes; }
  std::int64_t num_images() const { return index_->num_images; }
  const std::string& vocab_sha256() const { return index_->vocab_sha256; }
  // Shard files opened so far by the workers (re-opening after an LRU close counts again), and
  // the most open at once (at most workers x max_open_shards).
  std::int64_t shard_opens() const { return shards_.opened.load(); }
  std::int64_t peak_open_shards() const { return shards_.peak.load(); }
  // Corrupt images replaced (loader.hpp) in the batches fill has returned so far: a function of
  // those steps alone, not of the batches prepared ahead.
  std::int64_t bad_draws() const { return bad_draws_; }
  // Private memory of the loader's per-dataset tables: shard starts and the sampler's O(C).
  std::int64_t private_bytes() const;
  // Blocks until step's batch is ready: images NHWC [local, R, R, 3], targets [local, C] with
  // 1/K on each of an image's K classes (a row of zeros where the stream has no image).
  // The images' element type picks what the workers write: f32, the normalized images; or u8,
  // the resized and flipped RGB bytes before normalization (greyscale replicated), which
  // ops::normalize_images turns into the f32 batch bit for bit, on the host or the GPU. A row
  // without an image is zeros in both (so in u8 it does not normalize to zeros: its target row
  // of zeros is what marks it). The batches ahead are prepared in the type of the last call.
  void fill(std::int64_t step, Tensor& images, Tensor& targets);

 private:
  struct Slot {
    std::int64_t step = -1;
    Tensor images, targets;      // images f32 or u8, as the fill that scheduled the slot asked
    std::int64_t pending = 0;    // samples not decoded yet
    std::string error;           // the first decoding failure, re-thrown to the trainer
    std::int64_t bad_draws = 0;  // corrupt images replaced in the batch
  };
  void schedule(Slot& slot, std::int64_t step, DType pixels);
  void work();
  // Decodes row i (position's image, or its replacements); returns the corrupt images replaced.
  std::int64_t decode(Slot& slot, std::int64_t i, ShardCache& shards);
  // Decodes `image` into row i with position's crop and flip; false when the image is corrupt.
  bool decode_image(Slot& slot, std::int64_t i, std::int64_t image, std::uint64_t position,
                    ShardCache& shards);
  // Notes a corrupt image (warning once), failing past max_bad_fraction.
  void count_bad(std::int64_t image, const std::string& shard, std::int64_t in_shard,
                 const std::string& why);

  LoaderOptions options_;
  std::shared_ptr<const DatasetIndex> index_;
  std::shared_ptr<const ResamplingSampler> sampler_;
  ImageStream stream_;
  std::vector<std::int64_t> shard_start_;  // global image index of each shard's first image
  ShardCounters shards_;
  std::unique_ptr<ShardVerifier> verifier_;  // with verify_shards
  std::int64_t bad_draws_ = 0;               // the trainer's thread's (fill)
  std::int64_t bad_limit_ = 0;               // the most distinct corrupt images tolerated
  std::mutex bad_mutex_;
  std::set<std::int64_t> bad_;  // corrupt images met (guarded by bad_mutex_)

  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable work_ready_, slot_done_;
  std::deque<std::pair<Slot*, std::int64_t>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace swag::data
