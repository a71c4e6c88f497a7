#include "swag/data/sampler_buckets.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "swag/core/atomic_file.hpp"
#include "swag/core/error.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/shard_reader.hpp"

namespace swag::data {
namespace {

constexpr const char* format_name = "swag-buckets";
constexpr std::int64_t format_version = 1;

// One rank's images: the rarest class of each, in index order, and how many fall in each bucket.
struct Part {
  std::int64_t first_image = 0;
  std::vector<std::int64_t> counts;
  std::vector<std::int32_t> rarest;
};

Part read_part(const std::string& dir, const DatasetIndex& index, std::int64_t shard_begin,
               std::int64_t shard_end) {
  const std::span<const std::int64_t> f = index.class_counts;
  Part part;
  part.counts.assign(static_cast<std::size_t>(index.num_classes), 0);
  for (std::int64_t k = 0; k < shard_begin; ++k) part.first_image += index.shards[k].num_images;
  for (std::int64_t k = shard_begin; k < shard_end; ++k) {
    const ShardEntry& entry = index.shards[k];
    const ShardReader shard((std::filesystem::path(dir) / entry.file).string());
    check_shard_matches_index(shard, entry, index);
    for (std::int64_t i = 0; i < shard.num_images(); ++i) {
      const auto classes = shard.classes(i);
      if (classes.empty()) fail(ExitCode::input, "{}: image {} has no label", shard.path(), i);
      const std::int32_t c = rarest_class(classes, f);
      if (f[c] <= 0)
        fail(ExitCode::input, "{}: image {} carries class {}, which index.json counts on no image",
             shard.path(), i, c);
      ++part.counts[static_cast<std::size_t>(c)];
      part.rarest.push_back(c);
    }
  }
  return part;
}

std::vector<std::int64_t> offsets_of(const std::vector<std::int64_t>& counts) {
  std::vector<std::int64_t> offsets(counts.size() + 1, 0);
  for (std::size_t c = 0; c < counts.size(); ++c) offsets[c + 1] = offsets[c] + counts[c];
  return offsets;
}

void store(std::uint8_t* p, std::uint64_t v, int width) {
  for (int b = 0; b < width; ++b) p[b] = static_cast<std::uint8_t>(v >> (8 * b));
}

// Writes the part's images at their positions: bucket c's images of lower ranks come first.
void place(const Part& part, const std::vector<std::int64_t>& offsets,
           const std::vector<std::int64_t>& lower_ranks, int width, std::uint8_t* out) {
  std::vector<std::int64_t> next(offsets.begin(), offsets.end() - 1);
  for (std::size_t c = 0; c < next.size(); ++c) next[c] += lower_ranks[c];
  for (std::size_t j = 0; j < part.rarest.size(); ++j) {
    const std::int64_t position = next[static_cast<std::size_t>(part.rarest[j])]++;
    store(out + position * width, static_cast<std::uint64_t>(part.first_image) + j, width);
  }
}

// The part's images in bucket order, in memory.
std::shared_ptr<const std::uint8_t> placed_in_memory(const Part& part,
                                                     const std::vector<std::int64_t>& offsets,
                                                     int width) {
  std::shared_ptr<std::uint8_t> bytes(
      new std::uint8_t[static_cast<std::size_t>(offsets.back() * width)],
      std::default_delete<std::uint8_t[]>());
  place(part, offsets, std::vector<std::int64_t>(part.counts.size(), 0), width, bytes.get());
  return bytes;
}

}  // namespace

std::int32_t rarest_class(std::span<const std::int32_t> classes, std::span<const std::int64_t> f) {
  SWAG_CHECK(!classes.empty(), "no classes");
  std::int32_t best = classes[0];
  for (const auto c : classes)
    if (f[c] < f[best] || (f[c] == f[best] && c < best)) best = c;
  return best;
}

int image_index_bytes(std::int64_t num_images) {
  int width = 4;
  while (width < 8 && static_cast<std::uint64_t>(num_images) > (std::uint64_t{1} << (8 * width)))
    ++width;
  return width;
}

std::string shards_digest(const DatasetIndex& index) {
  std::string lines;
  for (const auto& s : index.shards) lines += s.sha256 + "\n";
  return sha256_hex({reinterpret_cast<const std::uint8_t*>(lines.data()), lines.size()});
}

std::pair<std::int64_t, std::int64_t> contiguous_share(std::int64_t n, int rank, int world) {
  SWAG_CHECK(world > 0 && rank >= 0 && rank < world && n >= 0, "rank {} of {}", rank, world);
  return {n * rank / world, n * (rank + 1) / world};
}

std::int64_t SamplerBuckets::private_bytes() const {
  return static_cast<std::int64_t>(offsets_.capacity() * sizeof(std::int64_t)) + owned_bytes_;
}

SamplerBuckets SamplerBuckets::from_labels(const MultiLabels& labels,
                                           std::span<const std::int64_t> f) {
  SWAG_CHECK(static_cast<std::int64_t>(f.size()) == labels.num_classes,
             "{} frequencies, {} classes", f.size(), labels.num_classes);
  Part part;
  part.counts.assign(static_cast<std::size_t>(labels.num_classes), 0);
  for (std::int64_t i = 0; i < labels.num_images(); ++i) {
    SWAG_CHECK(!labels.of(i).empty(), "image {} has no label", i);
    const std::int32_t c = rarest_class(labels.of(i), f);
    ++part.counts[static_cast<std::size_t>(c)];
    part.rarest.push_back(c);
  }
  SamplerBuckets b;
  b.offsets_ = offsets_of(part.counts);
  b.width_ = image_index_bytes(labels.num_images());
  b.owned_bytes_ = labels.num_images() * b.width_;
  b.storage_ = placed_in_memory(part, b.offsets_, b.width_);
  b.ids_ = b.storage_.get();
  return b;
}

SamplerBuckets SamplerBuckets::open(const std::string& data_dir, const DatasetIndex& index) {
  const std::string path = (std::filesystem::path(data_dir) / buckets_file_name).string();
  SamplerBuckets b;
  b.width_ = image_index_bytes(index.num_images);
  if (!std::filesystem::exists(path)) {
    log::warn(
        "{}: missing; building the sampler's buckets in memory from every shard's labels ({} "
        "bytes per image on every rank; `swag index --data {}` writes the file)",
        path, b.width_, data_dir);
    const Part part = read_part(data_dir, index, 0, static_cast<std::int64_t>(index.shards.size()));
    b.offsets_ = offsets_of(part.counts);
    if (b.num_images() != index.num_images)
      fail(ExitCode::input, "{}: index.json says {} images, its shards hold {}", data_dir,
           index.num_images, b.num_images());
    b.owned_bytes_ = index.num_images * b.width_;
    b.storage_ = placed_in_memory(part, b.offsets_, b.width_);
    b.ids_ = b.storage_.get();
    return b;
  }

  const std::string rebuild = fmt::format("`swag index --data {}` rebuilds it", data_dir);
  std::int64_t data_offset = -1;
  {
    const Hdf5File h5 = Hdf5File::open_read(path);
    if (!h5.has_attribute("/", "format") || h5.string_attribute("/", "format") != format_name)
      fail(ExitCode::input, "{}: not a swag bucket file (format is not '{}')", path, format_name);
    if (h5.int_attribute("/", "format_version") != format_version)
      fail(ExitCode::input, "{}: format_version {}, this swag reads {}", path,
           h5.int_attribute("/", "format_version"), format_version);
    if (h5.int_attribute("/", "num_images") != index.num_images ||
        h5.int_attribute("/", "num_classes") != index.num_classes ||
        h5.string_attribute("/", "shards_sha256") != shards_digest(index) ||
        h5.read_i64("/class_counts") != index.class_counts)
      fail(ExitCode::input, "{}: made for other shards than {}/index.json; {}", path, data_dir,
           rebuild);
    b.offsets_ = h5.read_i64("/offsets");
    if (static_cast<std::int64_t>(b.offsets_.size()) != index.num_classes + 1 ||
        b.offsets_.front() != 0 || b.offsets_.back() != index.num_images ||
        !std::is_sorted(b.offsets_.begin(), b.offsets_.end()))
      fail(ExitCode::input, "{}: /offsets do not partition the {} images into {} buckets; {}", path,
           index.num_images, index.num_classes, rebuild);
    for (std::int64_t c = 0; c < index.num_classes; ++c)
      if (b.bucket_size(c) > 0 && index.class_counts[c] == 0)
        fail(ExitCode::input, "{}: bucket {} holds images of a class on no image; {}", path, c,
             rebuild);
    if (index.num_images == 0) return b;
    if (h5.shape("/images") != Shape{index.num_images, b.width_})
      fail(ExitCode::input, "{}: /images is {}, expected [{}, {}]; {}", path,
           shape_str(h5.shape("/images")), index.num_images, b.width_, rebuild);
    data_offset = h5.contiguous_offset("/images");
    if (data_offset < 0)
      fail(ExitCode::input, "{}: /images is not stored contiguously; {}", path, rebuild);
  }
  const std::int64_t length = data_offset + index.num_images * b.width_;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ExitCode::io, "{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < length) {
    ::close(fd);
    fail(ExitCode::input, "{}: truncated ({} bytes, /images ends at {}); {}", path, st.st_size,
         length, rebuild);
  }
  void* base = ::mmap(nullptr, static_cast<std::size_t>(length), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) fail(ExitCode::io, "{}: cannot map: {}", path, std::strerror(errno));
  ::madvise(base, static_cast<std::size_t>(length), MADV_RANDOM);
  b.storage_ = std::shared_ptr<const std::uint8_t>(
      static_cast<const std::uint8_t*>(base), [length](const std::uint8_t* p) {
        ::munmap(const_cast<std::uint8_t*>(p), static_cast<std::size_t>(length));
      });
  b.ids_ = b.storage_.get() + data_offset;
  b.mapped_ = true;
  return b;
}

void write_buckets_file(const std::string& data_dir, const DatasetIndex& index,
                        const RankCollectives& ranks) {
  const std::string path = (std::filesystem::path(data_dir) / buckets_file_name).string();
  const auto [shard_begin, shard_end] =
      contiguous_share(static_cast<std::int64_t>(index.shards.size()), ranks.rank, ranks.world);
  const Part part = read_part(data_dir, index, shard_begin, shard_end);
  std::vector<std::int64_t> totals = part.counts, lower = part.counts;
  if (ranks.sum) ranks.sum(totals);
  if (ranks.exclusive_sum)
    ranks.exclusive_sum(lower);
  else
    std::fill(lower.begin(), lower.end(), 0);
  const std::vector<std::int64_t> offsets = offsets_of(totals);
  if (offsets.back() != index.num_images)
    fail(ExitCode::input, "{}: index.json says {} images, its shards hold {}", data_dir,
         index.num_images, offsets.back());
  const int width = image_index_bytes(index.num_images);

  // Rank 0 creates the file with /images allocated; every rank fills its images in place.
  std::optional<AtomicOutput> out;
  std::string where;
  if (ranks.rank == 0) {
    out.emplace(path);
    std::int64_t data_offset = -1;
    {
      Hdf5File h5 = Hdf5File::create(out->temp_path());
      h5.set_attribute("/", "format", std::string(format_name));
      h5.set_attribute("/", "format_version", format_version);
      h5.set_attribute("/", "software", std::string("swag 0.1.0"));
      h5.set_attribute("/", "num_images", index.num_images);
      h5.set_attribute("/", "num_classes", index.num_classes);
      h5.set_attribute("/", "vocab_sha256", index.vocab_sha256);
      h5.set_attribute("/", "shards_sha256", shards_digest(index));
      h5.set_attribute("/", "image_index_bytes", std::int64_t{width});
      h5.write_i64("/class_counts", index.class_counts);
      h5.write_i64("/offsets", offsets);
      if (index.num_images > 0) data_offset = h5.reserve_u8("/images", {index.num_images, width});
    }
    where = fmt::format("{}\n{}", out->temp_path(), data_offset);
  }
  if (ranks.broadcast) ranks.broadcast(where);
  const std::size_t newline = where.find('\n');
  const std::string temp = where.substr(0, newline);
  const std::int64_t data_offset = std::stoll(where.substr(newline + 1));

  if (!part.rarest.empty()) {
    const std::int64_t length = data_offset + index.num_images * width;
    const int fd = ::open(temp.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) fail(ExitCode::io, "{}: cannot open: {}", temp, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || (st.st_size < length && ::ftruncate(fd, length) != 0)) {
      ::close(fd);
      fail(ExitCode::io, "{}: cannot extend to {} bytes: {}", temp, length, std::strerror(errno));
    }
    void* base = ::mmap(nullptr, static_cast<std::size_t>(length), PROT_READ | PROT_WRITE,
                        MAP_SHARED, fd, 0);
    ::close(fd);
    if (base == MAP_FAILED) fail(ExitCode::io, "{}: cannot map: {}", temp, std::strerror(errno));
    place(part, offsets, lower, width, static_cast<std::uint8_t*>(base) + data_offset);
    const int synced = ::msync(base, static_cast<std::size_t>(length), MS_SYNC);
    ::munmap(base, static_cast<std::size_t>(length));
    if (synced != 0) fail(ExitCode::io, "{}: cannot write: {}", temp, std::strerror(errno));
  }
  if (ranks.barrier) ranks.barrier();
  if (out) out->commit();
}

}  // namespace swag::data
