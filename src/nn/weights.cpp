#include "swag/nn/weights.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <set>

#include "swag/core/atomic_file.hpp"
#include "swag/core/build_info.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/ops/device.hpp"

namespace swag::nn {
namespace {

constexpr std::int64_t kFormatVersion = 1;

// Loads the tensors of `store` that `skip` does not name; the file's tensors that `skip` names
// are ignored.
void load_store(const Hdf5File& f, const std::string& group, ParameterStore& store,
                const Model& model, bool adapt_resolution,
                const std::function<bool(const std::string&)>& skip) {
  std::set<std::string> expected;
  for (std::size_t i = 0; i < store.entries().size(); ++i) {
    const auto& e = store.entries()[i];
    if (skip(e.name)) continue;
    expected.insert(e.name);
    const std::string dataset = group + "/" + e.name;
    if (!f.exists(dataset)) fail(ExitCode::input, "{}: missing tensor '{}'", f.path(), dataset);
    Tensor t = store.value(static_cast<int>(i));
    const Shape stored = f.shape(dataset);
    if (stored != e.shape && model.resolution_dependent(e.name)) {
      if (!adapt_resolution)
        fail(ExitCode::input,
             "{}: tensor '{}' has shape {}, expected {}: the weights were made for another "
             "resolution (swag predict --resolution adapts them)",
             f.path(), dataset, shape_str(stored), shape_str(e.shape));
      ops::fill_through_host(
          t, [&](Tensor& host) { model.adapt_to_resolution(e.name, f.read_f32(dataset), host); });
      log::info("{}: {} {} resized to {} for resolution {}", f.path(), dataset, shape_str(stored),
                shape_str(e.shape), model.dims().resolution);
      continue;
    }
    ops::fill_through_host(t, [&](Tensor& host) { f.read_f32_into(dataset, host); });
  }
  for (const auto& name : f.members(group))
    if (!expected.contains(name) && !skip(name))
      fail(ExitCode::input, "{}: unexpected tensor '{}/{}' (not part of this model)", f.path(),
           group, name);
}

void save_store(Hdf5File& f, const std::string& group, const ParameterStore& store) {
  for (std::size_t i = 0; i < store.entries().size(); ++i)
    f.write(group + "/" + store.entries()[i].name,
            ops::host_side(store.value(static_cast<int>(i))));
}

}  // namespace

WeightsHeader read_weights_header(const std::string& path) {
  const Hdf5File f = Hdf5File::open_read(path);
  if (!f.has_attribute("/", "format") || f.string_attribute("/", "format") != "swag-weights")
    fail(ExitCode::input, "{}: not a swag weights file (attribute format != 'swag-weights')", path);
  const std::int64_t version = f.int_attribute("/", "format_version");
  if (version != kFormatVersion)
    fail(ExitCode::input, "{}: weights format version {}, this swag reads {}", path, version,
         kFormatVersion);
  // labels are 32-bit; a larger count is damage or a hostile file, refused before any allocation
  const std::int64_t num_classes = f.int_attribute("/", "num_classes");
  if (num_classes < 1 || num_classes > std::numeric_limits<std::int32_t>::max())
    fail(ExitCode::input, "{}: num_classes = {} is outside [1, 2^31 - 1]", path, num_classes);
  return {f.string_attribute("/", "model"), num_classes,
          f.exists("/params/heads.pre_logits.weight"),
          f.has_attribute("/", "resolution") ? f.int_attribute("/", "resolution") : 0};
}

void load_weights(const std::string& path, Model& model, bool adapt_resolution) {
  const WeightsHeader h = read_weights_header(path);
  if (h.num_classes != model.dims().num_classes)
    fail(ExitCode::input, "{}: weights have {} classes, the model {}", path, h.num_classes,
         model.dims().num_classes);
  const Hdf5File f = Hdf5File::open_read(path);
  const auto none = [](const std::string&) { return false; };
  load_store(f, "/params", model.params(), model, adapt_resolution, none);
  load_store(f, "/buffers", model.buffers(), model, adapt_resolution, none);
}

void load_trunk(const std::string& path, Model& model) {
  const WeightsHeader h = read_weights_header(path);
  if (h.model != model.name())
    fail(ExitCode::input, "{}: weights of {}, the model is {}", path, h.model, model.name());
  const Hdf5File f = Hdf5File::open_read(path);
  const auto head = [&](const std::string& name) { return model.in_head(name); };
  load_store(f, "/params", model.params(), model, true, head);
  load_store(f, "/buffers", model.buffers(), model, true, head);
}

void write_weights_header(Hdf5File& f, const Model& model) {
  f.set_attribute("/", "format", std::string("swag-weights"));
  f.set_attribute("/", "format_version", kFormatVersion);
  f.set_attribute("/", "model", model.name());
  f.set_attribute("/", "num_classes", model.dims().num_classes);
  f.set_attribute("/", "resolution", model.dims().resolution);
  f.set_attribute("/", "software", "swag " + std::string(build::version()));
}

void save_weights(const std::string& path, Model& model) {
  AtomicOutput out(path);
  {
    Hdf5File f = Hdf5File::create(out.temp_path());
    write_weights_header(f, model);
    save_store(f, "/params", model.params());
    save_store(f, "/buffers", model.buffers());
  }
  out.commit();
}

std::unique_ptr<Model> load_model(const std::string& path, std::int64_t batch,
                                  std::int64_t resolution, Device device) {
  const WeightsHeader h = read_weights_header(path);
  if (resolution == 0) resolution = h.resolution != 0 ? h.resolution : 224;
  auto model = create_model(h.model, {batch, resolution, h.num_classes, h.pre_logits});
  model->allocate(0, device);
  load_weights(path, *model, /*adapt_resolution=*/true);
  return model;
}

}  // namespace swag::nn
