#include "swag/data/loader.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/core/rng.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/augment.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/scaled_decode.hpp"

namespace swag::data {
namespace {

// Augmentation draws use their own Philox key, apart from the sampler's; so do the positions
// that replace a corrupt image's (loader.hpp), all at or past 2^63, beyond any run's stream.
constexpr std::uint64_t kAugmentStream = 0xa5a5a5a5ull << 32;
constexpr std::uint64_t kReplacementStream = 0x5a5a5a5aull << 32;
constexpr std::uint64_t kReplacementBase = std::uint64_t{1} << 63;
// Corrupt draws in a row for one position before the loader gives up (a dataset that is mostly
// corrupt meets max_bad_fraction long before).
constexpr int kMaxReplacements = 64;

}  // namespace

void ShardVerifier::verify(std::int64_t k, const std::string& path, const ShardEntry& entry) {
  std::call_once(once_.at(static_cast<std::size_t>(k)), [&] {
    const std::string digest = sha256_file(path);
    if (digest != entry.sha256)
      fail(ExitCode::input,
           "{}: SHA-256 {}, {} lists {} (the shard was damaged or replaced; "
           "data.verify_shards)",
           path, digest, index_file_name, entry.sha256);
  });
}

ShardCache::~ShardCache() {
  while (!open_.empty()) close_least_recent();
}

void ShardCache::close_least_recent() {
  open_.pop_back();  // closes the file
  if (counters_ != nullptr) --counters_->open;
}

const ShardReader& ShardCache::get(std::int64_t k) {
  for (auto it = open_.begin(); it != open_.end(); ++it)
    if (it->first == k) {
      if (it != open_.begin()) open_.splice(open_.begin(), open_, it);  // most recent first
      return *open_.front().second;
    }
  if (static_cast<int>(open_.size()) >= capacity_) close_least_recent();
  const ShardEntry& entry = index_->shards[static_cast<std::size_t>(k)];
  const std::string path = (std::filesystem::path(dir_) / entry.file).string();
  if (verifier_ != nullptr) verifier_->verify(k, path, entry);
  auto shard = std::make_unique<ShardReader>(path);
  check_shard_matches_index(*shard, entry, *index_);
  open_.emplace_front(k, std::move(shard));
  if (counters_ != nullptr) {
    ++counters_->opened;
    const std::int64_t now = ++counters_->open;
    std::int64_t peak = counters_->peak.load();
    while (now > peak && !counters_->peak.compare_exchange_weak(peak, now)) {
    }
  }
  return *open_.front().second;
}

Loader::Loader(const LoaderOptions& o) : options_(o), index_(o.index) {
  SWAG_CHECK(o.workers >= 1 && o.prefetch >= 1, "loader needs a worker and a slot");
  if (o.max_open_shards < 1)
    fail(ExitCode::config, "data.max_open_shards = {}: a worker needs at least one open shard",
         o.max_open_shards);
  if (!index_) index_ = std::make_shared<const DatasetIndex>(read_index(o.data_dir));
  if (index_->num_images == 0) fail(ExitCode::input, "{}: the shards hold no images", o.data_dir);
  SWAG_CHECK(o.max_bad_fraction >= 0 && o.max_bad_fraction < 1, "max_bad_fraction {}",
             o.max_bad_fraction);
  bad_limit_ = static_cast<std::int64_t>(
      std::floor(o.max_bad_fraction * static_cast<double>(index_->num_images)));
  stream_ = o.stream;
  if (!stream_) {
    sampler_ = std::make_shared<const ResamplingSampler>(
        index_->class_counts, SamplerBuckets::open(o.data_dir, *index_), o.sampler);
    stream_ = [sampler = sampler_](std::uint64_t g) { return sampler->image_at(0, g); };
  }
  if (o.verify_shards) verifier_ = std::make_unique<ShardVerifier>(index_->shards.size());
  std::int64_t start = 0;
  shard_start_.reserve(index_->shards.size());
  for (const auto& entry : index_->shards) {
    shard_start_.push_back(start);
    start += entry.num_images;
  }
  if (start != index_->num_images)
    fail(ExitCode::input, "{}/{}: num_images is {}, its shards list {}", o.data_dir,
         index_file_name, index_->num_images, start);
  const Shape image_shape{o.local_batch, o.resolution, o.resolution, 3};
  slots_.resize(static_cast<std::size_t>(o.prefetch));
  for (auto& s : slots_) {
    s.images = Tensor::empty(image_shape);
    s.targets = Tensor::empty({o.local_batch, index_->num_classes});
  }
  for (int w = 0; w < o.workers; ++w) workers_.emplace_back([this] { work(); });
  log::info(
      "loader: {} images in {} shards, {} classes, {} workers with up to {} open shards each, {} "
      "batches ahead",
      index_->num_images, index_->shards.size(), index_->num_classes, o.workers, o.max_open_shards,
      o.prefetch);
}

std::int64_t Loader::private_bytes() const {
  return static_cast<std::int64_t>(shard_start_.capacity() * sizeof(std::int64_t)) +
         (sampler_ ? sampler_->private_bytes() : 0);
}

Loader::~Loader() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : workers_) t.join();
}

void Loader::schedule(Slot& slot, std::int64_t step, DType pixels) {
  // Called with mutex_ held, the slot idle.
  if (slot.images.dtype() != pixels) slot.images = Tensor::empty(slot.images.shape(), pixels);
  slot.step = step;
  slot.pending = options_.local_batch;
  slot.error.clear();
  slot.bad_draws = 0;
  slot.targets.zero();
  for (std::int64_t i = 0; i < options_.local_batch; ++i) tasks_.emplace_back(&slot, i);
  work_ready_.notify_all();
}

void Loader::fill(std::int64_t step, Tensor& images, Tensor& targets) {
  const DType pixels = images.dtype();
  SWAG_CHECK(pixels == DType::f32 || pixels == DType::u8, "loader: images of {}",
             dtype_name(pixels));
  std::unique_lock lock(mutex_);
  // The slots hold steps [step, step + prefetch) in the asked type: schedule what is missing.
  for (std::int64_t s = step; s < step + options_.prefetch; ++s) {
    Slot& slot = slots_[static_cast<std::size_t>(s % options_.prefetch)];
    if (slot.step != s || slot.images.dtype() != pixels) {
      slot_done_.wait(lock, [&] { return slot.pending == 0; });  // finish what it holds
      schedule(slot, s, pixels);
    }
  }
  Slot& slot = slots_[static_cast<std::size_t>(step % options_.prefetch)];
  slot_done_.wait(lock, [&] { return slot.pending == 0; });
  if (!slot.error.empty()) fail(ExitCode::input, "{}", slot.error);
  bad_draws_ += slot.bad_draws;
  SWAG_CHECK(images.nbytes() == slot.images.nbytes() && targets.nbytes() == slot.targets.nbytes(),
             "loader: a batch of {} and {} for images {} and targets {}", shape_str(images.shape()),
             shape_str(targets.shape()), shape_str(slot.images.shape()),
             shape_str(slot.targets.shape()));
  std::memcpy(images.raw(), slot.images.raw(), images.nbytes());
  std::memcpy(targets.raw(), slot.targets.raw(), targets.nbytes());
}

void Loader::work() {
  ShardCache shards(options_.data_dir, index_, options_.max_open_shards, &shards_, verifier_.get());
  for (;;) {
    std::pair<Slot*, std::int64_t> task;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = tasks_.front();
      tasks_.pop_front();
    }
    std::string error;
    std::int64_t bad = 0;
    try {
      bad = decode(*task.first, task.second, shards);
    } catch (const std::exception& e) {
      error = e.what();
    }
    bool slot_done = false;
    {
      const std::lock_guard lock(mutex_);
      task.first->bad_draws += bad;
      if (!error.empty() && task.first->error.empty()) task.first->error = error;
      slot_done = --task.first->pending == 0;
    }
    // fill waits for whole slots: waking it for each image cost context switches.
    if (slot_done) slot_done_.notify_all();
  }
}

void Loader::count_bad(std::int64_t image, const std::string& shard, std::int64_t in_shard,
                       const std::string& why) {
  const std::lock_guard lock(bad_mutex_);
  if (!bad_.insert(image).second) return;
  const auto met = static_cast<std::int64_t>(bad_.size());
  if (met > bad_limit_)
    fail(ExitCode::input,
         "{}: image {} is corrupt ({}); {} corrupt image(s) met, more than data.max_bad_fraction "
         "= {} of the {} images allows",
         shard, in_shard, why, met, options_.max_bad_fraction, index_->num_images);
  log::warn("{}: image {} is corrupt, skipped and replaced ({} corrupt so far): {}", shard,
            in_shard, met, why);
}

std::int64_t Loader::decode(Slot& slot, std::int64_t i, ShardCache& shards) {
  const auto position = static_cast<std::uint64_t>(slot.step * options_.global_batch +
                                                   options_.rank * options_.local_batch + i);
  Rng replacement(options_.seed, kReplacementStream + position);
  std::int64_t bad = 0;
  for (std::int64_t image = stream_(position); image >= 0; ++bad) {
    if (decode_image(slot, i, image, position, shards)) return bad;
    if (bad == kMaxReplacements)
      fail(ExitCode::input, "{}: stream position {} met {} corrupt images in a row",
           options_.data_dir, position, bad + 1);
    const std::uint64_t draw = std::uint64_t{replacement.next_u32()} << 32 | replacement.next_u32();
    image = stream_(kReplacementBase | (draw >> 1));
  }
  // padding: zeros (the targets were zeroed when the slot was scheduled)
  const auto row_bytes = static_cast<std::size_t>(options_.resolution) * options_.resolution * 3 *
                         dtype_size(slot.images.dtype());
  std::memset(static_cast<char*>(slot.images.raw()) + static_cast<std::size_t>(i) * row_bytes, 0,
              row_bytes);
  return bad;
}

bool Loader::decode_image(Slot& slot, std::int64_t i, std::int64_t image, std::uint64_t position,
                          ShardCache& shards) {
  if (image >= index_->num_images)
    fail(ExitCode::failure, "loader: stream position {} names image {} of {}", position, image,
         index_->num_images);
  {
    const std::lock_guard lock(bad_mutex_);
    if (bad_.count(image) != 0) return false;
  }
  const auto k =
      std::upper_bound(shard_start_.begin(), shard_start_.end(), image) - shard_start_.begin() - 1;
  const ShardReader& shard = shards.get(k);  // a shard that does not open stops the job
  const std::int64_t in_shard = image - shard_start_[static_cast<std::size_t>(k)];
  Rng rng(options_.seed, kAugmentStream + position);
  const bool train = options_.transform == Transform::train;
  ScaledDecode decoded;
  bool flip = false;
  try {
    const std::vector<std::uint8_t> jpeg = shard.jpeg(in_shard);
    // The box comes from the full size in the header (the same draws as from a full decode),
    // then libjpeg-turbo decodes at the smallest power-of-two DCT scale that keeps it at least
    // R x R (choose_jpeg_scale).
    const JpegHeader header = read_jpeg_header(jpeg);
    if (header.height != shard.height(in_shard) || header.width != shard.width(in_shard))
      fail(ExitCode::input, "its JPEG header says {} x {}, the shard {} x {}", header.height,
           header.width, shard.height(in_shard), shard.width(in_shard));
    const CropBox box =
        train ? random_resized_crop_box(header.height, header.width, rng, options_.min_crop_scale)
              : center_square_box(header.height, header.width);
    flip = train && rng.uniform() < 0.5f;
    decoded = decode_jpeg_for_crop(jpeg, box, options_.resolution, options_.dct_scaling);
  } catch (const Error& e) {
    if (e.code() == ExitCode::failure) throw;  // a bug, not the data
    count_bad(image, shard.path(), in_shard, e.what());
    return false;
  }
  const std::int64_t pixels =
      static_cast<std::int64_t>(options_.resolution) * options_.resolution * 3;
  if (slot.images.dtype() == DType::u8)
    crop_resize(decoded.image, decoded.box, options_.resolution, flip,
                slot.images.data<std::uint8_t>() + i * pixels);
  else
    crop_resize_normalize(decoded.image, decoded.box, options_.resolution, flip,
                          slot.images.data<float>() + i * pixels);
  const auto classes = shard.classes(in_shard);
  float* target = slot.targets.data<float>() + i * index_->num_classes;
  for (const auto c : classes) target[c] += 1.0f / static_cast<float>(classes.size());
  return true;
}

}  // namespace swag::data
