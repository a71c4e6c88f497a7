#include "swag/data/loader.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/core/rng.hpp"
#include "swag/data/augment.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/jpeg_codec.hpp"
#include "swag/data/scaled_decode.hpp"

namespace swag::data {
namespace {

// Augmentation draws use their own Philox key, apart from the sampler's.
constexpr std::uint64_t kAugmentStream = 0xa5a5a5a5ull << 32;

}  // namespace

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
  auto shard = std::make_unique<ShardReader>((std::filesystem::path(dir_) / entry.file).string());
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
  stream_ = o.stream;
  if (!stream_) {
    sampler_ = std::make_shared<const ResamplingSampler>(
        index_->class_counts, SamplerBuckets::open(o.data_dir, *index_), o.sampler);
    stream_ = [sampler = sampler_](std::uint64_t g) { return sampler->image_at(0, g); };
  }
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
  SWAG_CHECK(images.nbytes() == slot.images.nbytes() && targets.nbytes() == slot.targets.nbytes(),
             "loader: a batch of {} and {} for images {} and targets {}", shape_str(images.shape()),
             shape_str(targets.shape()), shape_str(slot.images.shape()),
             shape_str(slot.targets.shape()));
  std::memcpy(images.raw(), slot.images.raw(), images.nbytes());
  std::memcpy(targets.raw(), slot.targets.raw(), targets.nbytes());
}

void Loader::work() {
  ShardCache shards(options_.data_dir, index_, options_.max_open_shards, &shards_);
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
    try {
      decode(*task.first, task.second, shards);
    } catch (const std::exception& e) {
      error = e.what();
    }
    {
      const std::lock_guard lock(mutex_);
      if (!error.empty() && task.first->error.empty()) task.first->error = error;
      --task.first->pending;
    }
    slot_done_.notify_all();
  }
}

void Loader::decode(Slot& slot, std::int64_t i, ShardCache& shards) {
  const auto position = static_cast<std::uint64_t>(slot.step * options_.global_batch +
                                                   options_.rank * options_.local_batch + i);
  const std::int64_t image = stream_(position);
  const std::int64_t pixels =
      static_cast<std::int64_t>(options_.resolution) * options_.resolution * 3;
  const bool bytes = slot.images.dtype() == DType::u8;
  if (image < 0) {  // padding: zeros (the targets were zeroed when the slot was scheduled)
    std::memset(static_cast<char*>(slot.images.raw()) +
                    i * pixels * static_cast<std::int64_t>(dtype_size(slot.images.dtype())),
                0, static_cast<std::size_t>(pixels) * dtype_size(slot.images.dtype()));
    return;
  }
  if (image >= index_->num_images)
    fail(ExitCode::failure, "loader: stream position {} names image {} of {}", position, image,
         index_->num_images);
  const auto k =
      std::upper_bound(shard_start_.begin(), shard_start_.end(), image) - shard_start_.begin() - 1;
  const ShardReader& shard = shards.get(k);
  const std::int64_t in_shard = image - shard_start_[static_cast<std::size_t>(k)];
  const std::vector<std::uint8_t> jpeg = shard.jpeg(in_shard);
  Rng rng(options_.seed, kAugmentStream + position);
  // The box comes from the full size in the header (the same draws as from a full decode), then
  // libjpeg-turbo decodes at the smallest DCT scale that keeps it at least R x R.
  const JpegHeader header = read_jpeg_header(jpeg);
  const bool train = options_.transform == Transform::train;
  const CropBox box =
      train ? random_resized_crop_box(header.height, header.width, rng, options_.min_crop_scale)
            : center_square_box(header.height, header.width);
  const bool flip = train && rng.uniform() < 0.5f;
  const ScaledDecode decoded =
      decode_jpeg_for_crop(jpeg, box, options_.resolution, options_.dct_scaling);
  if (bytes)
    crop_resize(decoded.image, decoded.box, options_.resolution, flip,
                slot.images.data<std::uint8_t>() + i * pixels);
  else
    crop_resize_normalize(decoded.image, decoded.box, options_.resolution, flip,
                          slot.images.data<float>() + i * pixels);
  const auto classes = shard.classes(in_shard);
  float* target = slot.targets.data<float>() + i * index_->num_classes;
  for (const auto c : classes) target[c] += 1.0f / static_cast<float>(classes.size());
}

}  // namespace swag::data
