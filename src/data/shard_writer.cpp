#include "swag/data/shard_writer.hpp"

#include "swag/core/atomic_file.hpp"
#include "swag/core/build_info.hpp"
#include "swag/core/error.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/shard_format.hpp"

namespace swag::data {

void ShardWriter::add(std::int64_t id, std::span<const std::uint8_t> jpeg, int height, int width,
                      std::span<const std::int32_t> classes) {
  for (std::size_t k = 0; k < classes.size(); ++k)
    SWAG_CHECK(classes[k] >= 0 && classes[k] < attributes_.num_classes &&
                   (k == 0 || classes[k - 1] < classes[k]),
               "label set of image {} not ascending in [0, {})", id, attributes_.num_classes);
  jpeg_.insert(jpeg_.end(), jpeg.begin(), jpeg.end());
  jpeg_offsets_.push_back(static_cast<std::int64_t>(jpeg_.size()));
  ids_.push_back(id);
  sizes_.push_back(height);
  sizes_.push_back(width);
  classes_.insert(classes_.end(), classes.begin(), classes.end());
  label_offsets_.push_back(static_cast<std::int64_t>(classes_.size()));
}

std::string ShardWriter::write(const std::string& path) const {
  namespace f = shard_format;
  AtomicOutput out(path);
  {
    Hdf5File h5 = Hdf5File::create(out.temp_path());
    h5.checksum_datasets();  // corruption fails the read (and the loader skips the image)
    h5.set_attribute("/", "format", std::string(f::format));
    h5.set_attribute("/", "format_version", std::int64_t{f::version});
    h5.set_attribute("/", "software", "swag " + std::string(build::version()));
    h5.set_attribute("/", "shard_index", attributes_.shard_index);
    h5.set_attribute("/", "num_images", num_images());
    h5.set_attribute("/", "num_classes", attributes_.num_classes);
    h5.set_attribute("/", "vocab_sha256", attributes_.vocab_sha256);
    h5.set_attribute("/", "first_line", attributes_.first_line);
    h5.set_attribute("/", "last_line", attributes_.last_line);
    h5.write_u8(f::jpeg, jpeg_);
    h5.write_i64(f::jpeg_offsets, jpeg_offsets_);
    h5.write_i64(f::ids, ids_);
    h5.write_i32(f::sizes, sizes_, {num_images(), 2});
    h5.write_i64(f::label_offsets, label_offsets_);
    h5.write_i32(f::label_classes, classes_);
  }  // closed (flushed) before the fsync and rename
  out.commit();
  return sha256_file(path);
}

}  // namespace swag::data
