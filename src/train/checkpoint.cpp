#include "swag/train/checkpoint.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "swag/core/atomic_file.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/json_integer.hpp"
#include "swag/core/log.hpp"
#include "swag/core/sha256.hpp"
#include "swag/nn/weights.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/provenance.hpp"

namespace swag::train {
namespace fs = std::filesystem;
namespace {

std::string state_json(const RunState& s) {
  nlohmann::ordered_json j;
  j["step"] = s.step;
  j["sample_cursor"] = s.sample_cursor;
  j["seed"] = s.seed;
  j["world_size"] = s.world_size;
  j["config_hash"] = fmt::format("{:016x}", s.config_hash);
  j["vocab_sha256"] = s.vocab_sha256;
  j["config"] = s.config_toml;
  return j.dump();
}

RunState parse_state(const std::string& text, const std::string& path) {
  try {
    const auto j = nlohmann::json::parse(text);
    return {json_integer<std::int64_t>(j.at("step")),
            json_integer<std::int64_t>(j.at("sample_cursor")),
            json_integer<std::uint64_t>(j.at("seed")),
            json_integer<std::int64_t>(j.at("world_size")),
            std::stoull(j.at("config_hash").get<std::string>(), nullptr, 16),
            j.at("vocab_sha256").get<std::string>(),
            j.at("config").get<std::string>()};
  } catch (const std::exception& e) {
    fail(ExitCode::input, "{}: bad run state: {}", path, e.what());
  }
}

// One dataset's part of the checksum: its path, then its bytes.
void hash_dataset(Sha256& h, const std::string& path, const Tensor& t) {
  h.update(path);
  h.update(std::span(static_cast<const std::uint8_t*>(t.raw()), t.nbytes()));
}

// Version 2 of the checksum also covers every root attribute but the checksum itself (model,
// num_classes, optimizer_steps, provenance); version 1 (no checksum_version attribute) covered
// only the datasets and the run state, and is still read.
constexpr std::int64_t checksum_version = 2;

void hash_attributes(Sha256& h, const Hdf5File& f) {
  for (const auto& name : f.attribute_names("/")) {
    if (name == "sha256") continue;
    h.update(name);
    h.update(f.attribute_text("/", name));
  }
}

// Every dataset in path order, the run state, then the root attributes.
std::string checksum(const std::map<std::string, Tensor>& datasets, const std::string& state,
                     const Hdf5File& f) {
  Sha256 h;
  for (const auto& [path, t] : datasets) hash_dataset(h, path, t);
  h.update(state);
  hash_attributes(h, f);
  return h.hex_digest();
}

// Every tensor a checkpoint holds, by dataset path.
std::map<std::string, Tensor> datasets_of(nn::Model& model, const Optimizer& optimizer,
                                          const ExtraState& extra) {
  std::map<std::string, Tensor> d;
  for (const auto& [name, t] : extra) d["/extra/" + name] = t;
  for (const auto* store : {&model.params(), &model.buffers()}) {
    const std::string group = store == &model.params() ? "/params/" : "/buffers/";
    for (std::size_t i = 0; i < store->entries().size(); ++i)
      d[group + store->entries()[i].name] = store->value(static_cast<int>(i));
  }
  const auto names = optimizer.state_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    d["/optimizer/" + names[k]] = optimizer.state(static_cast<int>(k));
  return d;
}

constexpr const char* damaged_suffix = ".damaged";

// The step of a step-NNNNNNNN.h5 name, or -1 for any other name (also one too long for int64).
std::int64_t step_of(const std::string& name) {
  static const std::regex pattern(R"(step-(\d{8,})\.h5)");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return -1;
  std::int64_t step = -1;
  const std::string digits = m[1];
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
  return error == std::errc() && end == digits.data() + digits.size() ? step : -1;
}

// The folder's own files besides checkpoints: `latest`, writes in progress, quarantined files.
bool bookkeeping(const std::string& name) {
  return name == "latest" || name.find(".tmp.") != std::string::npos ||
         name.ends_with(damaged_suffix);
}

struct Listing {
  std::vector<std::pair<std::int64_t, std::string>> checkpoints;  // newest first
  std::int64_t damaged = 0;                                       // quarantined files
};

// Checkpoint files of the directory; other names are warned about when `warn` (stray files).
Listing checkpoints_in(const std::string& dir, bool warn = false) {
  Listing found;
  if (!fs::is_directory(dir)) return found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::int64_t step = step_of(name);
    if (step >= 0)
      found.checkpoints.emplace_back(step, entry.path().string());
    else if (name.ends_with(damaged_suffix))
      ++found.damaged;
    else if (warn && !bookkeeping(name))
      log::warn("{}: ignoring '{}', not a checkpoint name (step-NNNNNNNN.h5)", dir, name);
  }
  std::sort(found.checkpoints.rbegin(), found.checkpoints.rend());
  return found;
}

// Runs `work` on rank 0 only and makes its failure everyone's: the other ranks would otherwise
// wait forever in the next collective.
template <class F>
void on_root(const dist::Communicator& comm, F work) {
  std::string error;
  ExitCode code = ExitCode::ok;
  if (comm.rank() == 0) {
    try {
      work();
    } catch (const Error& e) {
      error = e.what();
      code = e.code();
    }
  }
  auto status = static_cast<std::int64_t>(code);
  comm.broadcast_bytes(&status, sizeof status);
  if (status == 0) return;
  std::int64_t length = static_cast<std::int64_t>(error.size());
  comm.broadcast_bytes(&length, sizeof length);
  error.resize(static_cast<std::size_t>(length));
  comm.broadcast_bytes(error.data(), error.size());
  throw Error(static_cast<ExitCode>(status), error);
}

}  // namespace

CheckpointStore::CheckpointStore(const std::string& run_dir, CheckpointPolicy policy)
    : dir_((fs::path(run_dir) / "checkpoints").string()), policy_(policy) {}

std::string CheckpointStore::path_for(std::int64_t step) const {
  return (fs::path(dir_) / fmt::format("step-{:08d}.h5", step)).string();
}

std::string CheckpointStore::save(const dist::Communicator& comm, nn::Model& model,
                                  const Optimizer& optimizer, const RunState& state,
                                  const ExtraState& extra) const {
  const auto start = std::chrono::steady_clock::now();
  if (comm.min(state.step) != comm.max(state.step))
    fail(ExitCode::failure, "ranks disagree on the step of the checkpoint");
  // The weights are identical on every rank, so every rank reaches the same verdict.
  if (!std::isfinite(ops::sum_of_squares(model.params().flat_values())))
    fail(ExitCode::numerics, "refusing to write a checkpoint with non-finite weights at step {}",
         state.step);
  std::string path = path_for(state.step);
  on_root(comm, [&] {
    fs::create_directories(dir_);
    auto datasets = datasets_of(model, optimizer, extra);
    for (auto& [name, t] : datasets) t = ops::host_side(t);
    const std::string state_text = state_json(state);
    AtomicOutput out(path);
    {
      Hdf5File f = Hdf5File::create(out.temp_path());
      nn::write_weights_header(f, model);
      f.set_attribute("/", "checkpoint_state", state_text);
      f.set_attribute("/", "optimizer_steps", optimizer.steps_taken());
      f.set_attribute("/", "checksum_version", checksum_version);
      // Provenance (doc/checkpoints.md), covered by the checksum as every root attribute;
      // absent from checkpoints written before swag recorded it.
      const Provenance& p = provenance();
      f.set_attribute("/", "swag_version", p.version);
      f.set_attribute("/", "swag_commit", p.commit);
      f.set_attribute("/", "swag_backends", p.backends);
      f.set_attribute("/", "swag_compiler", p.compiler);
      f.set_attribute("/", "swag_mpi", p.mpi);
      for (const auto& [name, t] : datasets) f.write(name, t);
      f.set_attribute("/", "sha256", checksum(datasets, state_text, f));  // last: covers all
    }
    if (const auto why = verify(out.temp_path()))
      fail(ExitCode::io, "{}: written checkpoint does not verify: {}", path, *why);
    out.commit();
    write_file_atomically((fs::path(dir_) / "latest").string(),
                          fs::path(path).filename().string() + "\n");
    apply_retention(state.step);
  });
  ++saves_;
  save_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log::info("checkpoint: step {} -> {}", state.step, path);
  return path;
}

std::optional<std::string> CheckpointStore::verify(const std::string& path) {
  try {
    const Hdf5File f = Hdf5File::open_read(path);
    // The order of checksum(): dataset paths sorted; one dataset in memory at a time.
    std::vector<std::string> paths;
    for (const std::string group : {"/params", "/buffers", "/optimizer", "/extra"}) {
      if (group == "/extra" && !f.exists(group)) continue;  // optional
      for (const auto& name : f.members(group)) paths.push_back(fmt::format("{}/{}", group, name));
    }
    std::sort(paths.begin(), paths.end());
    Sha256 h;
    for (const auto& p : paths) {
      const Tensor t = f.read_f32(p);
      hash_dataset(h, p, t);
    }
    h.update(f.string_attribute("/", "checkpoint_state"));
    if (f.has_attribute("/", "checksum_version")) {
      const std::int64_t version = f.int_attribute("/", "checksum_version");
      if (version != checksum_version)
        return fmt::format("checksum version {}, this swag knows 1 and {}", version,
                           checksum_version);
      hash_attributes(h, f);
    }
    const std::string expected = f.string_attribute("/", "sha256"), actual = h.hex_digest();
    if (actual != expected)
      return fmt::format("checksum {} differs from the recorded {}", actual, expected);
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::optional<std::string> CheckpointStore::loadable(const std::string& path, nn::Model& model,
                                                     const Optimizer& optimizer,
                                                     const ExtraState& extra) {
  if (auto why = verify(path)) return why;
  try {
    const Hdf5File f = Hdf5File::open_read(path);
    if (f.string_attribute("/", "model") != model.name() ||
        f.int_attribute("/", "num_classes") != model.dims().num_classes)
      return fmt::format("a checkpoint of {} with {} classes, this run has {} with {}",
                         f.string_attribute("/", "model"), f.int_attribute("/", "num_classes"),
                         model.name(), model.dims().num_classes);
    for (const auto& [name, t] : datasets_of(model, optimizer, extra)) {
      if (!f.exists(name)) return fmt::format("no tensor '{}'", name);
      if (f.shape(name) != t.shape())
        return fmt::format("tensor '{}' is {}, the run's is {}", name, shape_str(f.shape(name)),
                           shape_str(t.shape()));
    }
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

std::optional<RunState> CheckpointStore::load_latest(const dist::Communicator& comm,
                                                     nn::Model& model, Optimizer& optimizer,
                                                     const ExtraState& extra) const {
  // Rank 0 picks the newest checkpoint that verifies and fits the run; a damaged one is moved
  // aside (NAME.damaged: kept for inspection, never counted or deleted by retention).
  std::string chosen;
  on_root(comm, [&] {
    const Listing found = checkpoints_in(dir_, /*warn=*/true);
    std::vector<std::string> reasons;
    for (const auto& [step, path] : found.checkpoints) {
      if (const auto why = verify(path)) {
        log::warn("checkpoint {} is damaged ({}); moved aside as {}{}, trying the previous one",
                  path, *why, fs::path(path).filename().string(), damaged_suffix);
        std::error_code ec;
        fs::rename(path, path + damaged_suffix, ec);
        reasons.push_back(fmt::format("{}: {}", fs::path(path).filename().string(), *why));
        continue;
      }
      if (const auto why = loadable(path, model, optimizer, extra)) {
        log::warn("checkpoint {} does not fit this run ({}); trying the previous one", path, *why);
        reasons.push_back(fmt::format("{}: {}", fs::path(path).filename().string(), *why));
        continue;
      }
      chosen = path;
      return;
    }
    const std::int64_t unusable = static_cast<std::int64_t>(reasons.size()) + found.damaged;
    if (unusable == 0) return;  // a fresh run
    if (!policy_.restart_if_none_valid)
      fail(ExitCode::input,
           "{}: {} checkpoint(s) but none usable{}{}; set checkpoint.restart_if_none_valid = true "
           "to start over from step 0",
           dir_, unusable, reasons.empty() ? " (earlier ones were moved aside as *.damaged)" : ": ",
           fmt::join(reasons, "; "));
    log::warn(
        "{}: no usable checkpoint among {}; starting over from step 0 "
        "(checkpoint.restart_if_none_valid)",
        dir_, unusable);
  });
  std::int64_t length = static_cast<std::int64_t>(chosen.size());
  comm.broadcast_bytes(&length, sizeof length);
  chosen.resize(static_cast<std::size_t>(length));
  comm.broadcast_bytes(chosen.data(), chosen.size());
  if (chosen.empty()) return std::nullopt;

  const Hdf5File f = Hdf5File::open_read(chosen);
  for (auto& entry : datasets_of(model, optimizer, extra)) {
    const std::string& name = entry.first;  // clang 14 cannot capture a structured binding
    ops::fill_through_host(entry.second, [&](Tensor& host) { f.read_f32_into(name, host); });
  }
  optimizer.set_steps_taken(f.int_attribute("/", "optimizer_steps"));
  RunState state = parse_state(f.string_attribute("/", "checkpoint_state"), chosen);
  log::info("resumed from {} (step {})", chosen, state.step);
  return state;
}

std::optional<RunState> CheckpointStore::resume(const dist::Communicator& comm, nn::Model& model,
                                                Optimizer& optimizer, RunState& state,
                                                const ExtraState& extra) const {
  auto resumed = load_latest(comm, model, optimizer, extra);
  if (resumed) {
    if (resumed->config_hash != state.config_hash)
      log::warn("the deck differs from the checkpoint's; continuing with the new one");
    state.step = resumed->step;
    state.sample_cursor = resumed->sample_cursor;
  }
  return resumed;
}

void CheckpointStore::after_step(const dist::Communicator& comm, nn::Model& model,
                                 const Optimizer& optimizer, const RunState& state,
                                 std::int64_t every, std::int64_t total_steps, std::int64_t stop_at,
                                 const ExtraState& extra) const {
  const bool signalled = comm.max(stop_requested() ? 1 : 0) != 0;
  const bool stop = signalled || state.step == stop_at;
  if (state.step % every == 0 || state.step == total_steps || stop)
    save(comm, model, optimizer, state, extra);
  if (stop)
    fail(ExitCode::stopped,
         "stopped {} at step {} after writing a checkpoint; run the same command again to "
         "continue",
         signalled ? "by a signal" : "(run.stop_at_step)", state.step);
}

void CheckpointStore::apply_retention(std::int64_t written) const {
  // Counted newest first from the checkpoint just written, which is never deleted; a file of a
  // later step (left by a run that went further, then lost its state) is not counted.
  std::int64_t kept = 0;
  for (const auto& [step, path] : checkpoints_in(dir_).checkpoints) {
    if (step > written) continue;
    if (kept++ < policy_.keep_last) continue;
    if (policy_.keep_every > 0 && step % policy_.keep_every == 0) continue;
    fs::remove(path);
  }
}

namespace {

volatile std::sig_atomic_t requested = 0;

extern "C" void on_stop_signal(int) {
  requested = 1;
}

}  // namespace

void install_stop_handlers() {
  for (int s : {SIGTERM, SIGUSR1, SIGINT}) std::signal(s, on_stop_signal);
}

bool stop_requested() {
  return requested != 0;
}

}  // namespace swag::train
