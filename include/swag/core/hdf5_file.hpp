// A small RAII layer over the HDF5 C API for what swag stores: float32/float64/int64 datasets,
// integer and byte arrays, groups created on demand, and string/integer attributes. Every
// failure names the file and the object; HDF5's own error stack printing is switched off.
// Objects are created without modification times, so equal content gives byte-equal files.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "swag/core/tensor.hpp"

namespace swag {

class Hdf5File {
 public:
  static Hdf5File open_read(const std::string& path);
  static Hdf5File create(const std::string& path);  // truncates
  ~Hdf5File();
  Hdf5File(Hdf5File&& other) noexcept;
  Hdf5File& operator=(Hdf5File&&) = delete;
  Hdf5File(const Hdf5File&) = delete;

  const std::string& path() const { return path_; }
  bool exists(const std::string& object) const;
  // Names of the members of a group, sorted.
  std::vector<std::string> members(const std::string& group) const;
  Shape shape(const std::string& dataset) const;

  // Reads a floating-point dataset as float32 (HDF5 converts from f64/f16).
  Tensor read_f32(const std::string& dataset) const;
  // Same, into an existing host tensor; a shape mismatch is an input error naming both shapes.
  void read_f32_into(const std::string& dataset, Tensor& out) const;
  double read_scalar_f64(const std::string& dataset) const;

  // Datasets written from now on by write, write_u8, write_i32 and write_i64 are chunked (about
  // 16 KiB a chunk) with HDF5's Fletcher32 filter, so that a damaged byte fails the read of its
  // chunk instead of returning wrong data. Readers need nothing: HDF5 applies the filter.
  void checksum_datasets() { checksummed_ = true; }

  void write(const std::string& dataset, const Tensor& t);  // f32 or i64, host
  void write_scalar_f64(const std::string& dataset, double v);
  // Integer and byte arrays; an empty shape means one axis of v.size() elements.
  void write_u8(const std::string& dataset, std::span<const std::uint8_t> v);
  void write_i32(const std::string& dataset, std::span<const std::int32_t> v, Shape shape = {});
  void write_i64(const std::string& dataset, std::span<const std::int64_t> v, Shape shape = {});
  // A contiguous uint8 dataset of this shape whose space is allocated in the file now and left
  // unwritten (no fill), for bytes that other processes write in place; returns its byte offset
  // in the file.
  std::int64_t reserve_u8(const std::string& dataset, const Shape& shape);
  // The byte offset in the file of a contiguous, allocated dataset's data; -1 for any other.
  std::int64_t contiguous_offset(const std::string& dataset) const;
  // Whole integer datasets of any integer type, converted (flattened, row-major).
  std::vector<std::int32_t> read_i32(const std::string& dataset) const;
  std::vector<std::int64_t> read_i64(const std::string& dataset) const;
  // Elements [offset, offset + count) of a one-axis byte dataset (a blob inside a packed array).
  std::vector<std::uint8_t> read_u8(const std::string& dataset, std::int64_t offset,
                                    std::int64_t count) const;

  void set_attribute(const std::string& object, const std::string& name, const std::string& v);
  void set_attribute(const std::string& object, const std::string& name, std::int64_t v);
  std::string string_attribute(const std::string& object, const std::string& name) const;
  std::int64_t int_attribute(const std::string& object, const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;
  // Names of an object's attributes, sorted; an attribute's value as text (a string as it is,
  // an integer in decimal), for checksums over every attribute.
  std::vector<std::string> attribute_names(const std::string& object) const;
  std::string attribute_text(const std::string& object, const std::string& name) const;

 private:
  Hdf5File(std::string path, std::int64_t id) : path_(std::move(path)), id_(id) {}
  void ensure_parent_groups(const std::string& object);
  void write_raw(const std::string& dataset, std::int64_t file_type, std::int64_t mem_type,
                 const Shape& shape, const void* data);
  void read_integers(const std::string& dataset, std::int64_t mem_type, void* out) const;
  // The attribute's handle (hid_t), after checking that it exists and has the HDF5 type class.
  std::int64_t open_attribute(const std::string& object, const std::string& name, int type_class,
                              const char* what) const;
  std::string path_;
  std::int64_t id_;  // hid_t
  bool checksummed_ = false;
};

}  // namespace swag
