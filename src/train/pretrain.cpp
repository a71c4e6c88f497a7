#include "swag/train/pretrain.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "swag/core/log.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/run_files.hpp"
#include "swag/train/shared_index.hpp"
#include "swag/train/training_loop.hpp"

namespace swag::train {
namespace {

BatchLayout layout_of(const Config& c, const dist::Communicator& comm) {
  const std::int64_t global = c.get_int("batch.global");
  return {global,
          local_batch_of(global, comm),
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
  data::LoaderOptions o =
      loader_options(c.get_string("data.dir"), layout, static_cast<int>(c.get_int("data.workers")),
                     static_cast<int>(c.get_int("data.prefetch")));
  o.index = shared_index(comm, o.data_dir);
  o.max_open_shards = static_cast<int>(c.get_int("data.max_open_shards"));
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
  LossScaler scaler(precision, static_cast<float>(initial_scale));
  LoopOptions lo;
  lo.name = "pretrain";
  lo.run_dir = run_dir;
  lo.global_batch = layout.global_batch;
  lo.total_steps = total_steps;
  lo.checkpoint_every = c.get_int("checkpoint.every");
  lo.log_every = c.get_int("log.every");
  lo.stop_at = c.get_int("run.stop_at_step");
  lo.sync_bn = c.get_bool("bn.sync");
  lo.clip_grad_norm = c.get_float("optim.clip_grad_norm");
  lo.skip_nonfinite = c.get_string("numerics.on_nonfinite") == "skip";
  lo.inject_nan_at_step = c.get_int("numerics.inject_nan_at_step");
  lo.report_grad_norm = true;
  TrainingLoop loop(comm, *model, *optimizer, scaler, schedule,
                    {c.get_int("checkpoint.keep_last"), c.get_int("checkpoint.keep_every"),
                     c.get_bool("checkpoint.restart_if_none_valid")},
                    {}, lo);
  RunState state{0, 0, layout.seed, comm.size(), c.hash(), vocab_sha256, c.to_toml()};
  const auto resumed = loop.resume(state);
  if (resumed && resumed->vocab_sha256 != vocab_sha256)
    fail(ExitCode::input, "the checkpoint was trained on vocabulary {}, the shards use {}",
         resumed->vocab_sha256, vocab_sha256);

  // On a GPU, a source that can write bytes (the shards) sends u8 batches, normalized there.
  StagedBatch batch(model->input_shape(), {layout.local_batch, layout.num_classes}, device.device(),
                    source->fills_u8() ? DType::u8 : DType::f32, precision);
  log::info("pretrain: {} on {} ranks, global batch {} ({} per rank), steps {} -> {}, lr {:.4g}",
            model->name(), comm.size(), layout.global_batch, layout.local_batch, state.step,
            total_steps, schedule.base_lr);
  LoopHooks hooks;
  hooks.fill = [&](std::int64_t step, Tensor& images, Tensor& targets) {
    source->fill(step, images, targets);
  };
  const nlohmann::ordered_json summary = loop.run(state, batch, hooks);
  if (comm.rank() == 0) {
    nlohmann::ordered_json results;
    results["model"] = model->name();
    results["steps"] = state.step;
    results["samples_seen"] = state.sample_cursor;
    results["world_size"] = comm.size();
    results["checkpoint"] = loop.checkpoints().path_for(state.step);
    write_results(run_dir, results, summary);
  }
}

}  // namespace swag::train
