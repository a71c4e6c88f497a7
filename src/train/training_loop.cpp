#include "swag/train/training_loop.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "swag/core/error.hpp"
#include "swag/core/log.hpp"
#include "swag/dist/model_collectives.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/run_files.hpp"

namespace swag::train {

std::int64_t local_batch_of(std::int64_t global_batch, const dist::Communicator& comm) {
  if (global_batch < 1 || global_batch % comm.size() != 0)
    fail(ExitCode::config, "batch.global = {} does not divide over {} ranks", global_batch,
         comm.size());
  return global_batch / comm.size();
}

data::LoaderOptions loader_options(const std::string& dir, const BatchLayout& layout) {
  data::LoaderOptions o;
  o.data_dir = dir;
  o.global_batch = layout.global_batch;
  o.local_batch = layout.local_batch;
  o.rank = layout.rank;
  o.resolution = static_cast<int>(layout.resolution);
  o.seed = layout.seed;
  return o;
}

TrainingLoop::TrainingLoop(const dist::Communicator& comm, nn::Model& model, Optimizer& optimizer,
                           LossScaler& scaler, const LrSchedule& schedule, CheckpointPolicy policy,
                           ExtraState extra, LoopOptions options)
    : comm_(comm),
      model_(model),
      optimizer_(optimizer),
      scaler_(scaler),
      schedule_(schedule),
      checkpoints_(options.run_dir, policy),
      extra_(std::move(extra)),
      options_(std::move(options)) {
  if (scaler_.enabled()) extra_.emplace("loss_scaler", scaler_.state());
}

std::optional<RunState> TrainingLoop::resume(RunState& state) const {
  return checkpoints_.resume(comm_, model_, optimizer_, state, extra_);
}

nlohmann::ordered_json TrainingLoop::run(RunState& state, StagedBatch& batch,
                                         const LoopHooks& hooks) {
  const LoopOptions& o = options_;
  if (comm_.rank() == 0) write_run_config(o.run_dir, state.config_toml);
  ForwardBackward step_fn(model_);
  dist::ModelCollectives collectives(comm_, model_, o.sync_bn, o.sync_group);
  Metrics metrics(o.run_dir, comm_.rank() == 0);
  install_stop_handlers();
  Progress progress(o.global_batch, o.total_steps);
  // Corrupt images replaced in the batches so far, over all ranks (every rank calls it).
  const auto bad_images = [&] {
    const double here = hooks.bad_draws ? static_cast<double>(hooks.bad_draws()) : 0.0;
    return std::llround(comm_.sum(here));
  };
  // The batch of a step, in a staging buffer and on its way to the device (or in place, on the
  // CPU). Batches depend on the step alone, so one staged ahead and not used (a stop) is lost to
  // nothing: the resumed run stages it again.
  const auto stage = [&](std::int64_t step) {
    progress.wait_for_data([&] { hooks.fill(step, batch.host_images(), batch.host_targets()); });
    if (hooks.mix) hooks.mix(step, batch.host_images(), batch.host_targets());
    batch.upload();
  };
  if (state.step < o.total_steps) stage(state.step);
  while (state.step < o.total_steps) {
    double loss = step_fn.run(model_, batch.images(), batch.targets(), scaler_.scale());
    progress.waited_for_gradients(collectives.finish_gradients());
    // With the step's work queued, and before the host waits for its gradient norm: the next
    // batch, so that on a GPU its fill overlaps this step's backward (its copy into the other
    // staging buffer is queued after it) instead of leaving the GPU idle between steps.
    if (state.step + 1 < o.total_steps) stage(state.step + 1);
    if (state.step == o.inject_nan_at_step) loss = std::numeric_limits<double>::quiet_NaN();
    loss = comm_.sum(loss) / comm_.size();
    Tensor grads = model_.params().flat_grads();
    const double grad_norm = std::sqrt(ops::sum_of_squares(grads)) / scaler_.scale();
    const double lr = schedule_.at(state.step);
    const bool finite = std::isfinite(loss) && std::isfinite(grad_norm);
    const bool overflow = scaler_.enabled() && std::isfinite(loss) && !std::isfinite(grad_norm);
    if (overflow) {
      scaler_.overflowed(state.step);
    } else if (!finite) {
      if (!o.skip_nonfinite)
        fail(ExitCode::numerics,
             "step {}: loss {} and gradient norm {} are not finite; stopping (the last "
             "checkpoint is intact)",
             state.step, loss, grad_norm);
      log::warn("step {}: non-finite loss or gradients; the update is skipped", state.step);
    } else {
      // One pass unscales and clips (factor 1, no pass, in fp32 and bf16 without clipping).
      double factor = 1.0 / scaler_.scale();
      if (o.clip_grad_norm > 0 && grad_norm > o.clip_grad_norm)
        factor *= o.clip_grad_norm / grad_norm;
      if (factor != 1.0) ops::scale(grads, static_cast<float>(factor));
      optimizer_.step(static_cast<float>(lr));
      if (hooks.after_update) hooks.after_update();
      scaler_.stepped();
    }
    progress.step(loss, /*skipped=*/!finite);
    ++state.step;
    state.sample_cursor += o.global_batch;
    if (progress.due(state.step, o.log_every)) {
      nlohmann::ordered_json fields = nlohmann::ordered_json::object();
      if (o.report_grad_norm) fields["grad_norm"] = grad_norm;
      fields["bad_images"] = bad_images();
      progress.report(state.step, lr, metrics, std::move(fields));
    }
    checkpoints_.after_step(comm_, model_, optimizer_, state, o.checkpoint_every, o.total_steps,
                            o.stop_at, extra_);
  }
  collectives.finish_training();
  return progress.finish(o.name, checkpoints_.saves(), checkpoints_.save_seconds(),
                         {{"bad_images", bad_images()}});
}

}  // namespace swag::train
