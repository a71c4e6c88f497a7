#include "swag/core/hdf5_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <mutex>

namespace swag {
namespace {

// HDF5 prints an error stack for every failed call unless told not to; we report our own.
struct SilenceHdf5 {
  SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const SilenceHdf5 silence;

// Closes an HDF5 handle of any kind when it goes out of scope.
class Handle {
 public:
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() {
    if (id_ >= 0) H5Idec_ref(id_);  // closes an identifier of any kind
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
};

// The chunk size of checksummed datasets: a damaged byte makes the images overlapping its chunk
// unreadable, and a read of an image reads its whole chunks.
constexpr hsize_t kChunkBytes = 16 * 1024;

std::vector<hsize_t> dims_of(const Shape& s) {
  return {s.begin(), s.end()};
}

// Creation properties without object modification times (HDF5 records them by default), so
// that writing the same content twice gives the same bytes and the same checksum.
hid_t untimed(hid_t property_class) {
  const hid_t p = H5Pcreate(property_class);
  H5Pset_obj_track_times(p, false);
  return p;
}

// Debian's HDF5 is built for MPI, which excludes its thread-safe mode: every call into the
// library takes this process-wide lock (loader threads read shards while the trainer writes
// checkpoints). Recursive, since the methods call each other.
std::recursive_mutex& library_mutex() {
  static std::recursive_mutex m;
  return m;
}
using LibraryLock = std::lock_guard<std::recursive_mutex>;

}  // namespace

Hdf5File Hdf5File::open_read(const std::string& path) {
  const LibraryLock lock(library_mutex());
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail(ExitCode::io, "{}: cannot open as HDF5 (missing or not an HDF5 file)", path);
  return Hdf5File(path, id);
}

Hdf5File Hdf5File::create(const std::string& path) {
  const LibraryLock lock(library_mutex());
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) fail(ExitCode::io, "{}: cannot create HDF5 file", path);
  return Hdf5File(path, id);
}

Hdf5File::Hdf5File(Hdf5File&& other) noexcept
    : path_(std::move(other.path_)), id_(other.id_), checksummed_(other.checksummed_) {
  other.id_ = -1;
}

Hdf5File::~Hdf5File() {
  const LibraryLock lock(library_mutex());
  if (id_ >= 0) H5Fclose(id_);
}

bool Hdf5File::exists(const std::string& object) const {
  const LibraryLock lock(library_mutex());
  // Check each path component, since H5Lexists fails on a missing intermediate group.
  std::string prefix;
  std::size_t start = object.front() == '/' ? 1 : 0;
  while (start <= object.size()) {
    const std::size_t slash = std::min(object.find('/', start), object.size());
    prefix = object.substr(0, slash);
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    start = slash + 1;
  }
  return true;
}

std::vector<std::string> Hdf5File::members(const std::string& group) const {
  const LibraryLock lock(library_mutex());
  std::vector<std::string> names;
  if (!exists(group)) return names;
  Handle g(H5Gopen2(id_, group.c_str(), H5P_DEFAULT));
  if (!g.ok()) fail(ExitCode::input, "{}: '{}' is not a group", path_, group);
  H5G_info_t info;
  H5Gget_info(g.get(), &info);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n =
        H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Shape Hdf5File::shape(const std::string& dataset) const {
  const LibraryLock lock(library_mutex());
  if (!exists(dataset)) fail(ExitCode::input, "{}: missing dataset '{}'", path_, dataset);
  Handle d(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT));
  if (!d.ok()) fail(ExitCode::input, "{}: '{}' is not a dataset", path_, dataset);
  Handle space(H5Dget_space(d.get()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

Tensor Hdf5File::read_f32(const std::string& dataset) const {
  const LibraryLock lock(library_mutex());
  Tensor t = Tensor::empty(shape(dataset));
  read_f32_into(dataset, t);
  return t;
}

void Hdf5File::read_f32_into(const std::string& dataset, Tensor& out) const {
  const LibraryLock lock(library_mutex());
  const Shape s = shape(dataset);
  if (s != out.shape())
    fail(ExitCode::input, "{}: dataset '{}' has shape {}, expected {}", path_, dataset,
         shape_str(s), shape_str(out.shape()));
  Handle d(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT));
  Handle type(H5Dget_type(d.get()));
  if (H5Tget_class(type.get()) != H5T_FLOAT)
    fail(ExitCode::input, "{}: dataset '{}' is not floating point", path_, dataset);
  if (H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data<float>()) < 0)
    fail(ExitCode::io, "{}: cannot read dataset '{}'", path_, dataset);
}

double Hdf5File::read_scalar_f64(const std::string& dataset) const {
  const LibraryLock lock(library_mutex());
  const Shape s = shape(dataset);
  if (shape_numel(s) != 1) fail(ExitCode::input, "{}: '{}' is not a scalar", path_, dataset);
  Handle d(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT));
  double v = 0;
  if (H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0)
    fail(ExitCode::io, "{}: cannot read dataset '{}'", path_, dataset);
  return v;
}

void Hdf5File::ensure_parent_groups(const std::string& object) {
  const LibraryLock lock(library_mutex());
  for (std::size_t slash = object.find('/', 1); slash != std::string::npos;
       slash = object.find('/', slash + 1)) {
    const std::string group = object.substr(0, slash);
    if (H5Lexists(id_, group.c_str(), H5P_DEFAULT) > 0) continue;
    const Handle props(untimed(H5P_GROUP_CREATE));
    Handle g(H5Gcreate2(id_, group.c_str(), H5P_DEFAULT, props.get(), H5P_DEFAULT));
    if (!g.ok()) fail(ExitCode::io, "{}: cannot create group '{}'", path_, group);
  }
}

void Hdf5File::write(const std::string& dataset, const Tensor& t) {
  const LibraryLock lock(library_mutex());
  SWAG_CHECK(t.device() == Device::cpu, "HDF5 writes host tensors");
  SWAG_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::i64, "HDF5 write of {}",
             dtype_name(t.dtype()));
  if (t.dtype() == DType::f32)
    write_raw(dataset, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, t.shape(), t.raw());
  else
    write_raw(dataset, H5T_STD_I64LE, H5T_NATIVE_INT64, t.shape(), t.raw());
}

void Hdf5File::write_raw(const std::string& dataset, std::int64_t file_type, std::int64_t mem_type,
                         const Shape& shape, const void* data) {
  const LibraryLock lock(library_mutex());
  ensure_parent_groups(dataset);
  const auto dims = dims_of(shape);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  const Handle props(untimed(H5P_DATASET_CREATE));
  // Chunks need a first axis; an empty dataset has no data to checksum.
  if (checksummed_ && !dims.empty() && shape_numel(shape) > 0) {
    auto chunk = dims;
    const hsize_t row_bytes = H5Tget_size(file_type) * (shape_numel(shape) / shape[0]);
    chunk[0] = std::clamp<hsize_t>(kChunkBytes / row_bytes, 1, dims[0]);
    if (H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
        H5Pset_fletcher32(props.get()) < 0)
      fail(ExitCode::failure, "{}: cannot set up the checksum of dataset '{}'", path_, dataset);
  }
  Handle d(H5Dcreate2(id_, dataset.c_str(), file_type, space.get(), H5P_DEFAULT, props.get(),
                      H5P_DEFAULT));
  if (!d.ok() || H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail(ExitCode::io, "{}: cannot write dataset '{}'", path_, dataset);
}

std::int64_t Hdf5File::reserve_u8(const std::string& dataset, const Shape& shape) {
  const LibraryLock lock(library_mutex());
  ensure_parent_groups(dataset);
  const auto dims = dims_of(shape);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  const Handle props(untimed(H5P_DATASET_CREATE));
  H5Pset_layout(props.get(), H5D_CONTIGUOUS);
  H5Pset_alloc_time(props.get(), H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(props.get(), H5D_FILL_TIME_NEVER);
  Handle d(H5Dcreate2(id_, dataset.c_str(), H5T_STD_U8LE, space.get(), H5P_DEFAULT, props.get(),
                      H5P_DEFAULT));
  const haddr_t offset = d.ok() ? H5Dget_offset(d.get()) : HADDR_UNDEF;
  if (offset == HADDR_UNDEF) fail(ExitCode::io, "{}: cannot reserve dataset '{}'", path_, dataset);
  return static_cast<std::int64_t>(offset);
}

std::int64_t Hdf5File::contiguous_offset(const std::string& dataset) const {
  const LibraryLock lock(library_mutex());
  if (!exists(dataset)) fail(ExitCode::input, "{}: missing dataset '{}'", path_, dataset);
  Handle d(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT));
  if (!d.ok()) fail(ExitCode::input, "{}: '{}' is not a dataset", path_, dataset);
  const haddr_t offset = H5Dget_offset(d.get());
  return offset == HADDR_UNDEF ? -1 : static_cast<std::int64_t>(offset);
}

void Hdf5File::write_scalar_f64(const std::string& dataset, double v) {
  const LibraryLock lock(library_mutex());
  ensure_parent_groups(dataset);
  Handle space(H5Screate(H5S_SCALAR));
  const Handle props(untimed(H5P_DATASET_CREATE));
  Handle d(H5Dcreate2(id_, dataset.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, props.get(),
                      H5P_DEFAULT));
  if (!d.ok() || H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0)
    fail(ExitCode::io, "{}: cannot write dataset '{}'", path_, dataset);
}

void Hdf5File::write_u8(const std::string& dataset, std::span<const std::uint8_t> v) {
  const LibraryLock lock(library_mutex());
  write_raw(dataset, H5T_STD_U8LE, H5T_NATIVE_UINT8, {static_cast<std::int64_t>(v.size())},
            v.data());
}

void Hdf5File::write_i32(const std::string& dataset, std::span<const std::int32_t> v, Shape shape) {
  const LibraryLock lock(library_mutex());
  if (shape.empty()) shape = {static_cast<std::int64_t>(v.size())};
  SWAG_CHECK(shape_numel(shape) == static_cast<std::int64_t>(v.size()), "{} for {} values",
             shape_str(shape), v.size());
  write_raw(dataset, H5T_STD_I32LE, H5T_NATIVE_INT32, shape, v.data());
}

void Hdf5File::write_i64(const std::string& dataset, std::span<const std::int64_t> v, Shape shape) {
  const LibraryLock lock(library_mutex());
  if (shape.empty()) shape = {static_cast<std::int64_t>(v.size())};
  SWAG_CHECK(shape_numel(shape) == static_cast<std::int64_t>(v.size()), "{} for {} values",
             shape_str(shape), v.size());
  write_raw(dataset, H5T_STD_I64LE, H5T_NATIVE_INT64, shape, v.data());
}

void Hdf5File::read_integers(const std::string& dataset, std::int64_t mem_type, void* out) const {
  const LibraryLock lock(library_mutex());
  Handle d(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT));
  Handle type(H5Dget_type(d.get()));
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    fail(ExitCode::input, "{}: dataset '{}' is not an integer array", path_, dataset);
  if (H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    fail(ExitCode::input, "{}: cannot read dataset '{}' (corrupt or truncated file?)", path_,
         dataset);
}

std::vector<std::int32_t> Hdf5File::read_i32(const std::string& dataset) const {
  const LibraryLock lock(library_mutex());
  std::vector<std::int32_t> v(static_cast<std::size_t>(shape_numel(shape(dataset))));
  read_integers(dataset, H5T_NATIVE_INT32, v.data());
  return v;
}

std::vector<std::int64_t> Hdf5File::read_i64(const std::string& dataset) const {
  const LibraryLock lock(library_mutex());
  std::vector<std::int64_t> v(static_cast<std::size_t>(shape_numel(shape(dataset))));
  read_integers(dataset, H5T_NATIVE_INT64, v.data());
  return v;
}

std::vector<std::uint8_t> Hdf5File::read_u8(const std::string& dataset, std::int64_t offset,
                                            std::int64_t count) const {
  const LibraryLock lock(library_mutex());
  const Shape s = shape(dataset);
  if (s.size() != 1 || offset < 0 || count < 0 || offset + count > s[0])
    fail(ExitCode::input, "{}: bytes [{}, {}) are outside dataset '{}' of shape {}", path_, offset,
         offset + count, dataset, shape_str(s));
  std::vector<std::uint8_t> out(static_cast<std::size_t>(count));
  if (count == 0) return out;
  Handle d(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT));
  Handle file_space(H5Dget_space(d.get()));
  const hsize_t start = static_cast<hsize_t>(offset), n = static_cast<hsize_t>(count);
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr);
  Handle mem_space(H5Screate_simple(1, &n, nullptr));
  if (H5Dread(d.get(), H5T_NATIVE_UINT8, mem_space.get(), file_space.get(), H5P_DEFAULT,
              out.data()) < 0)
    fail(ExitCode::input, "{}: cannot read bytes [{}, {}) of '{}' (corrupt or truncated file?)",
         path_, offset, offset + count, dataset);
  return out;
}

void Hdf5File::set_attribute(const std::string& object, const std::string& name,
                             const std::string& v) {
  const LibraryLock lock(library_mutex());
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<std::size_t>(v.size(), 1));
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate_by_name(id_, object.c_str(), name.c_str(), type.get(), space.get(),
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!a.ok() || H5Awrite(a.get(), type.get(), v.c_str()) < 0)
    fail(ExitCode::io, "{}: cannot write attribute '{}' of '{}'", path_, name, object);
}

void Hdf5File::set_attribute(const std::string& object, const std::string& name, std::int64_t v) {
  const LibraryLock lock(library_mutex());
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate_by_name(id_, object.c_str(), name.c_str(), H5T_STD_I64LE, space.get(),
                             H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!a.ok() || H5Awrite(a.get(), H5T_NATIVE_INT64, &v) < 0)
    fail(ExitCode::io, "{}: cannot write attribute '{}' of '{}'", path_, name, object);
}

bool Hdf5File::has_attribute(const std::string& object, const std::string& name) const {
  const LibraryLock lock(library_mutex());
  if (object != "/" && !exists(object)) return false;
  return H5Aexists_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::int64_t Hdf5File::open_attribute(const std::string& object, const std::string& name,
                                      int type_class, const char* what) const {
  const LibraryLock lock(library_mutex());
  if (!has_attribute(object, name))
    fail(ExitCode::input, "{}: missing attribute '{}' of '{}'", path_, name, object);
  const hid_t a = H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  Handle type(H5Aget_type(a));
  if (H5Tget_class(type.get()) != type_class) {
    H5Aclose(a);
    fail(ExitCode::input, "{}: attribute '{}' of '{}' is not {}", path_, name, object, what);
  }
  return a;
}

std::string Hdf5File::string_attribute(const std::string& object, const std::string& name) const {
  const LibraryLock lock(library_mutex());
  Handle a(open_attribute(object, name, H5T_STRING, "a string"));
  Handle type(H5Aget_type(a.get()));
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));  // h5py writes UTF-8 by default
    char* s = nullptr;
    if (H5Aread(a.get(), mem.get(), &s) < 0)
      fail(ExitCode::input, "{}: cannot read attribute '{}' of '{}'", path_, name, object);
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  std::string out(H5Tget_size(type.get()), '\0');
  if (H5Aread(a.get(), type.get(), out.data()) < 0)
    fail(ExitCode::input, "{}: cannot read attribute '{}' of '{}'", path_, name, object);
  out.resize(std::min(out.size(), out.find('\0')));
  return out;
}

std::vector<std::string> Hdf5File::attribute_names(const std::string& object) const {
  std::vector<std::string> names;
  {
    const LibraryLock lock(library_mutex());
    Handle o(H5Oopen(id_, object.c_str(), H5P_DEFAULT));
    if (!o.ok()) fail(ExitCode::input, "{}: no object '{}'", path_, object);
    const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    };
    if (H5Aiterate2(o.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0)
      fail(ExitCode::input, "{}: cannot read the attributes of '{}'", path_, object);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Hdf5File::attribute_text(const std::string& object, const std::string& name) const {
  H5T_class_t type_class = H5T_NO_CLASS;
  {
    const LibraryLock lock(library_mutex());
    Handle a(H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a.ok()) fail(ExitCode::input, "{}: no attribute '{}' on '{}'", path_, name, object);
    Handle type(H5Aget_type(a.get()));
    type_class = H5Tget_class(type.get());
  }
  if (type_class == H5T_STRING) return string_attribute(object, name);
  if (type_class == H5T_INTEGER) return std::to_string(int_attribute(object, name));
  fail(ExitCode::input, "{}: attribute '{}' of '{}' is neither a string nor an integer", path_,
       name, object);
}

std::int64_t Hdf5File::int_attribute(const std::string& object, const std::string& name) const {
  const LibraryLock lock(library_mutex());
  Handle a(open_attribute(object, name, H5T_INTEGER, "an integer"));
  std::int64_t v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0)
    fail(ExitCode::input, "{}: cannot read attribute '{}' of '{}'", path_, name, object);
  return v;
}

}  // namespace swag
