// A small RAII layer over the HDF5 C API for what swag stores: float32/float64/int64 datasets,
// groups created on demand, and string/integer attributes. Every failure names the file and the
// object; HDF5's own error stack printing is switched off.
#pragma once
#include <cstdint>
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

  void write(const std::string& dataset, const Tensor& t);  // f32 or i64, host
  void write_scalar_f64(const std::string& dataset, double v);

  void set_attribute(const std::string& object, const std::string& name, const std::string& v);
  void set_attribute(const std::string& object, const std::string& name, std::int64_t v);
  std::string string_attribute(const std::string& object, const std::string& name) const;
  std::int64_t int_attribute(const std::string& object, const std::string& name) const;
  bool has_attribute(const std::string& object, const std::string& name) const;

 private:
  Hdf5File(std::string path, std::int64_t id) : path_(std::move(path)), id_(id) {}
  void ensure_parent_groups(const std::string& object);
  // The attribute's handle (hid_t), after checking that it exists and has the HDF5 type class.
  std::int64_t open_attribute(const std::string& object, const std::string& name, int type_class,
                              const char* what) const;
  std::string path_;
  std::int64_t id_;  // hid_t
};

}  // namespace swag
