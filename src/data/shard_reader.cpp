#include "swag/data/shard_reader.hpp"

#include <algorithm>

#include "swag/core/error.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/shard_format.hpp"

namespace swag::data {
namespace {

bool is_csr_offsets(const std::vector<std::int64_t>& offsets, std::int64_t rows,
                    std::int64_t total) {
  return static_cast<std::int64_t>(offsets.size()) == rows + 1 && offsets.front() == 0 &&
         offsets.back() == total && std::is_sorted(offsets.begin(), offsets.end());
}

}  // namespace

ShardReader::ShardReader(const std::string& path) : file_(Hdf5File::open_read(path)) {
  namespace f = shard_format;
  if (!file_.has_attribute("/", "format") || file_.string_attribute("/", "format") != f::format)
    fail(ExitCode::input, "{}: not a swag shard (root attribute format is not '{}')", path,
         f::format);
  const std::int64_t version = file_.int_attribute("/", "format_version");
  if (version != f::version)
    fail(ExitCode::input, "{}: shard format_version {}, this swag reads {}", path, version,
         f::version);
  num_classes_ = file_.int_attribute("/", "num_classes");
  shard_index_ = file_.int_attribute("/", "shard_index");
  vocab_sha256_ = file_.string_attribute("/", "vocab_sha256");
  jpeg_offsets_ = file_.read_i64(f::jpeg_offsets);
  ids_ = file_.read_i64(f::ids);
  sizes_ = file_.read_i32(f::sizes);
  label_offsets_ = file_.read_i64(f::label_offsets);
  classes_ = file_.read_i32(f::label_classes);
  check_consistent();
}

void ShardReader::check_consistent() const {
  namespace f = shard_format;
  const std::int64_t n = num_images();
  const Shape jpeg_shape = file_.shape(f::jpeg);
  auto bad = [&](const char* what) {
    fail(ExitCode::input, "{}: inconsistent shard: {}", path(), what);
  };
  if (file_.int_attribute("/", "num_images") != n) bad("num_images attribute != /images/ids");
  if (jpeg_shape.size() != 1 || !is_csr_offsets(jpeg_offsets_, n, jpeg_shape[0]))
    bad("/images/offsets do not partition /images/jpeg");
  if (static_cast<std::int64_t>(sizes_.size()) != 2 * n) bad("/images/sizes is not [N, 2]");
  if (!is_csr_offsets(label_offsets_, n, static_cast<std::int64_t>(classes_.size())))
    bad("/labels/offsets do not partition /labels/classes");
  if (std::any_of(classes_.begin(), classes_.end(),
                  [&](std::int32_t c) { return c < 0 || c >= num_classes_; }))
    bad("a class index is outside [0, num_classes)");
}

std::vector<std::uint8_t> ShardReader::jpeg(std::int64_t i) const {
  return file_.read_u8(shard_format::jpeg, jpeg_offsets_.at(i),
                       jpeg_offsets_.at(i + 1) - jpeg_offsets_.at(i));
}

std::span<const std::int32_t> ShardReader::classes(std::int64_t i) const {
  const auto begin = label_offsets_.at(i), end = label_offsets_.at(i + 1);
  return {classes_.data() + begin, static_cast<std::size_t>(end - begin)};
}

std::vector<std::int64_t> read_image_ids(const std::string& data_dir) {
  const auto index = read_index(data_dir);
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<std::size_t>(index.num_images));
  for (const auto& shard : index.shards) {
    const ShardReader reader(data_dir + "/" + shard.file);
    for (std::int64_t i = 0; i < reader.num_images(); ++i) ids.push_back(reader.id(i));
  }
  if (static_cast<std::int64_t>(ids.size()) != index.num_images)
    fail(ExitCode::input, "{}/index.json lists {} images, its shards hold {}", data_dir,
         index.num_images, ids.size());
  return ids;
}

}  // namespace swag::data
