#include "swag/train/pretrain.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "swag/core/atomic_file.hpp"
#include "swag/core/log.hpp"
#include "swag/dist/model_collectives.hpp"
#include "swag/nn/model.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/checkpoint.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/host_staging.hpp"
#include "swag/train/loss_scaler.hpp"
#include "swag/train/lr_schedule.hpp"
#include "swag/train/provenance.hpp"
#include "swag/train/run_files.hpp"
#include "swag/train/shared_index.hpp"
#include "swag/train/stop_signals.hpp"

namespace swag::train {
namespace fs = std::filesystem;
namespace {

BatchLayout layout_of(const Config& c, const dist::Communicator& comm) {
  const std::int64_t global = c.get_int("batch.global");
  if (global < 1 || global % comm.size() != 0)
    fail(ExitCode::config, "batch.global = {} does not divide over {} ranks", global, comm.size());
  return {global,
          global / comm.size(),
          comm.rank(),
          c.get_int("model.resolution"),
          c.get_int("model.num_classes"),
          static_cast<std::uint64_t>(c.get_int("run.seed"))};
}

// The deck's data source; fixes layout.num_classes when the deck leaves it to the data.
std::unique_ptr<BatchSource> make_source(const Config& c, const dist::Communicator& comm,
                                         BatchLayout& layout, std::string& vocab_sha256) {
  const std::string source = c.get_string("data.source");
  if (source == "synthetic") {
    if (layout.num_classes == 0) layout.num_classes = 10;
    return make_synthetic_source(layout);
  }
  data::LoaderOptions o;
  o.data_dir = c.get_string("data.dir");
  o.index = shared_index(comm, o.data_dir);
  o.max_open_shards = static_cast<int>(c.get_int("data.max_open_shards"));
  o.global_batch = layout.global_batch;
  o.local_batch = layout.local_batch;
  o.rank = layout.rank;
  o.resolution = static_cast<int>(layout.resolution);
  o.min_crop_scale = c.get_float("data.min_crop_scale");
  o.workers = static_cast<int>(c.get_int("data.workers"));
  o.prefetch = static_cast<int>(c.get_int("data.prefetch"));
  o.seed = layout.seed;
  o.sampler = {c.get_float("data.alpha"), c.get_int("data.head_threshold"), layout.seed};
  auto loader = make_shard_source(o);
  const std::int64_t classes = loader->num_classes();
  if (layout.num_classes != 0 && layout.num_classes != classes)
    fail(ExitCode::config, "model.num_classes = {} but the shards in {} have {} classes",
         layout.num_classes, o.data_dir, classes);
  layout.num_classes = classes;
  vocab_sha256 = loader->vocab_sha256();
  return loader;
}

OptimizerOptions optimizer_options(const Config& c) {
  OptimizerOptions o;
  o.name = c.get_string("optim.name");
  o.momentum = static_cast<float>(c.get_float("optim.momentum"));
  o.beta1 = static_cast<float>(c.get_float("optim.beta1"));
  o.beta2 = static_cast<float>(c.get_float("optim.beta2"));
  o.weight_decay = static_cast<float>(c.get_float("optim.weight_decay"));
  return o;
}

}  // namespace

void pretrain(const Config& c, const dist::Communicator& comm) {
  // Outlives every device tensor.
  const DeviceScope device(c, comm);
  const DType precision = deck_precision(c);
  // The synthetic source computes its batches in the trainer's thread: no loader workers.
  report_cpus(
      comm,
      c.get_string("data.source") == "shards" ? static_cast<int>(c.get_int("data.workers")) : 0,
      "data.workers");
  BatchLayout layout = layout_of(c, comm);
  std::string vocab_sha256;
  const auto source = make_source(c, comm, layout, vocab_sha256);
  const std::string run_dir = c.get_string("run.dir");
  const std::int64_t total_steps = c.get_int("schedule.steps");
  const std::int64_t every = c.get_int("checkpoint.every"), log_every = c.get_int("log.every");
  const std::string on_nonfinite = c.get_string("numerics.on_nonfinite");
  const double initial_scale = c.get_float("numerics.loss_scale");
  if (!(initial_scale >= 1) || std::exp2(std::round(std::log2(initial_scale))) != initial_scale)
    fail(ExitCode::config, "numerics.loss_scale must be a power of two >= 1, not {}",
         initial_scale);

  auto model = nn::create_model(
      c.get_string("model.name"),
      {layout.local_batch, layout.resolution, layout.num_classes, c.get_bool("model.pre_logits")});
  model->allocate(layout.seed, device.device(), precision, c.get_bool("run.recompute_activations"));
  // Every rank initializes from the same seed; the broadcast makes "identical" a guarantee.
  broadcast_weights(comm, *model);
  const auto optimizer = make_optimizer(model->params(), optimizer_options(c));
  const LrSchedule schedule{
      scaled_lr(c.get_float("optim.lr"), layout.global_batch, c.get_int("optim.reference_batch")),
      total_steps, c.get_float("schedule.warmup_fraction")};
  const CheckpointStore checkpoints(
      run_dir, {c.get_int("checkpoint.keep_last"), c.get_int("checkpoint.keep_every"),
                c.get_bool("checkpoint.restart_if_none_valid")});

  LossScaler scaler(precision, static_cast<float>(initial_scale));
  ExtraState extra;
  if (scaler.enabled()) extra = {{"loss_scaler", scaler.state()}};
  RunState state{0, 0, layout.seed, comm.size(), c.hash(), vocab_sha256, c.to_toml()};
  const auto resumed = checkpoints.resume(comm, *model, *optimizer, state, extra);
  if (resumed && resumed->vocab_sha256 != vocab_sha256)
    fail(ExitCode::input, "the checkpoint was trained on vocabulary {}, the shards use {}",
         resumed->vocab_sha256, vocab_sha256);
  if (comm.rank() == 0) write_run_config(run_dir, c.to_toml());

  // On a GPU, a source that can write bytes (the shards) sends u8 batches, normalized there.
  StagedBatch batch(model->input_shape(), {layout.local_batch, layout.num_classes}, device.device(),
                    source->fills_u8() ? DType::u8 : DType::f32, precision);
  ForwardBackward step_fn(*model);
  dist::ModelCollectives collectives(comm, *model, c.get_bool("bn.sync"),
                                     c.get_int("bn.sync_group"));
  Metrics metrics(run_dir, comm.rank() == 0);
  install_stop_handlers();

  const double clip = c.get_float("optim.clip_grad_norm");
  const std::int64_t inject_nan = c.get_int("numerics.inject_nan_at_step");
  const std::int64_t stop_at = c.get_int("run.stop_at_step");
  log::info("pretrain: {} on {} ranks, global batch {} ({} per rank), steps {} -> {}, lr {:.4g}",
            model->name(), comm.size(), layout.global_batch, layout.local_batch, state.step,
            total_steps, schedule.base_lr);
  Progress progress(layout.global_batch, total_steps);
  // The batch of a step, in a staging buffer and on its way to the device (or in place, on the
  // CPU). Batches depend on the step alone, so one staged ahead and not used (a stop) is lost to
  // nothing: the resumed run stages it again.
  const auto stage = [&](std::int64_t step) {
    progress.wait_for_data([&] { source->fill(step, batch.host_images(), batch.host_targets()); });
    batch.upload();
  };
  if (state.step < total_steps) stage(state.step);
  while (state.step < total_steps) {
    double loss = step_fn.run(*model, batch.images(), batch.targets(), scaler.scale());
    collectives.finish_gradients();
    // With the step's work queued, and before the host waits for its gradient norm: the next
    // batch, so that on a GPU its fill overlaps this step's backward (its copy into the other
    // staging buffer is queued after it) instead of leaving the GPU idle between steps.
    if (state.step + 1 < total_steps) stage(state.step + 1);
    if (state.step == inject_nan) loss = std::numeric_limits<double>::quiet_NaN();
    loss = comm.sum(loss) / comm.size();
    Tensor grads = model->params().flat_grads();
    const double grad_norm = std::sqrt(ops::sum_of_squares(grads)) / scaler.scale();
    const double lr = schedule.at(state.step);
    const bool overflow = scaler.enabled() && std::isfinite(loss) && !std::isfinite(grad_norm);
    if (overflow) {
      scaler.overflowed(state.step);
    } else if (!std::isfinite(loss) || !std::isfinite(grad_norm)) {
      if (on_nonfinite == "stop")
        fail(ExitCode::numerics,
             "step {}: loss {} and gradient norm {} are not finite; stopping "
             "(numerics.on_nonfinite = stop; the last checkpoint is intact)",
             state.step, loss, grad_norm);
      log::warn("step {}: non-finite loss or gradients; the update is skipped", state.step);
    } else {
      // One pass unscales and clips (factor 1, no pass, in fp32 and bf16 without clipping).
      double factor = 1.0 / scaler.scale();
      if (clip > 0 && grad_norm > clip) factor *= clip / grad_norm;
      if (factor != 1.0) ops::scale(grads, static_cast<float>(factor));
      optimizer->step(static_cast<float>(lr));
      scaler.stepped();
    }
    progress.step(loss, /*skipped=*/!std::isfinite(loss) || !std::isfinite(grad_norm));
    ++state.step;
    state.sample_cursor += layout.global_batch;
    if (progress.due(state.step, log_every))
      progress.report(state.step, lr, metrics, {{"grad_norm", grad_norm}});
    checkpoints.after_step(comm, *model, *optimizer, state, every, total_steps, stop_at, extra);
  }
  collectives.finish_training();
  const nlohmann::ordered_json summary =
      progress.finish("pretrain", checkpoints.saves(), checkpoints.save_seconds());

  if (comm.rank() == 0) {
    nlohmann::ordered_json results;
    results["model"] = model->name();
    results["steps"] = state.step;
    results["samples_seen"] = state.sample_cursor;
    results["world_size"] = comm.size();
    results["checkpoint"] = checkpoints.path_for(state.step);
    results["summary"] = summary;
    results["provenance"] = provenance_json();
    write_file_atomically((fs::path(run_dir) / "results.json").string(), results.dump(2) + "\n");
  }
}

}  // namespace swag::train
