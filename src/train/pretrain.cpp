#include "swag/train/pretrain.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "swag/core/file_bytes.hpp"
#include "swag/core/log.hpp"
#include "swag/nn/model.hpp"
#include "swag/train/batch_source.hpp"
#include "swag/train/run_files.hpp"
#include "swag/train/training_loop.hpp"

namespace swag::train {
namespace {

// index.json read by one rank and broadcast: at 1,024 ranks, one read of the file instead of
// 1,024 on the parallel file system. Every rank parses the same bytes.
std::shared_ptr<const data::DatasetIndex> shared_index(const dist::Communicator& comm,
                                                       const std::string& data_dir) {
  const std::string path = (std::filesystem::path(data_dir) / data::index_file_name).string();
  std::string text;
  if (comm.rank() == 0) text = read_file_text(path);
  auto length = static_cast<std::int64_t>(text.size());
  comm.broadcast_bytes(&length, sizeof length);
  text.resize(static_cast<std::size_t>(length));
  comm.broadcast_bytes(text.data(), text.size());
  return std::make_shared<const data::DatasetIndex>(data::index_from_json(text, path));
}

// The deck's data source; fixes layout.num_classes when the deck leaves it to the data.
std::unique_ptr<BatchSource> make_source(const PretrainDeck& d, const dist::Communicator& comm,
                                         BatchLayout& layout, std::string& vocab_sha256) {
  if (d.data.source == "synthetic") {
    if (layout.num_classes == 0) layout.num_classes = 10;
    return make_synthetic_source(layout);
  }
  data::LoaderOptions o = loader_options(d, d.data.dir, layout);
  o.index = shared_index(comm, o.data_dir);
  o.max_open_shards = static_cast<int>(d.data.max_open_shards);
  o.sampler = {d.data.alpha, d.data.head_threshold, layout.seed};
  auto loader = make_shard_source(o);
  const std::int64_t classes = loader->num_classes();
  if (layout.num_classes != 0 && layout.num_classes != classes)
    fail(ExitCode::config, "model.num_classes = {} but the shards in {} have {} classes",
         layout.num_classes, o.data_dir, classes);
  layout.num_classes = classes;
  vocab_sha256 = loader->vocab_sha256();
  return loader;
}

OptimizerOptions optimizer_options(const PretrainDeck& d) {
  OptimizerOptions o;
  o.name = d.optim.name;
  o.momentum = static_cast<float>(d.optim.momentum);
  o.beta1 = static_cast<float>(d.optim.beta1);
  o.beta2 = static_cast<float>(d.optim.beta2);
  o.weight_decay = static_cast<float>(d.optim.weight_decay);
  return o;
}

LoopOptions pretrain_loop_options(const PretrainDeck& d) {
  LoopOptions o = loop_options(d, "pretrain", d.schedule.steps);
  o.clip_grad_norm = d.optim.clip_grad_norm;
  o.skip_nonfinite = d.numerics.on_nonfinite == "skip";
  o.inject_nan_at_step = d.numerics.inject_nan_at_step;
  o.report_grad_norm = true;
  return o;
}

}  // namespace

void pretrain(const Config& c, const dist::Communicator& comm) {
  const PretrainDeck d = pretrain_deck(c);
  // Outlives every device tensor.
  const DeviceScope device(d.run, comm);
  const DType precision = deck_precision(d.run);
  // The synthetic source computes its batches in the trainer's thread: no loader workers.
  report_cpus(comm, d.data.source == "shards" ? static_cast<int>(d.data.workers) : 0,
              "data.workers");
  BatchLayout layout{d.batch.global,      local_batch_of(d.batch.global, comm),
                     comm.rank(),         d.model.resolution,
                     d.model.num_classes, static_cast<std::uint64_t>(d.run.seed)};
  std::string vocab_sha256;
  const auto source = make_source(d, comm, layout, vocab_sha256);

  auto model = nn::create_model(d.model.name, {layout.local_batch, layout.resolution,
                                               layout.num_classes, d.model.pre_logits});
  model->allocate(layout.seed, device.device(), precision, d.run.recompute_activations);
  // Every rank initializes from the same seed; the broadcast makes "identical" a guarantee.
  broadcast_weights(comm, *model);
  const auto optimizer = make_optimizer(model->params(), optimizer_options(d));
  const LrSchedule schedule{scaled_lr(d.optim.lr, layout.global_batch, d.optim.reference_batch),
                            d.schedule.steps, d.schedule.warmup_fraction};
  LossScaler scaler(precision, static_cast<float>(d.numerics.loss_scale));
  TrainingLoop loop(
      comm, *model, *optimizer, scaler, schedule,
      {d.checkpoint.keep_last, d.checkpoint.keep_every, d.checkpoint.restart_if_none_valid}, {},
      pretrain_loop_options(d));
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
            d.schedule.steps, schedule.base_lr);
  LoopHooks hooks;
  hooks.fill = [&](std::int64_t step, Tensor& images, Tensor& targets) {
    source->fill(step, images, targets);
  };
  hooks.bad_draws = [&] { return source->bad_draws(); };
  const nlohmann::ordered_json summary = loop.run(state, batch, hooks);
  if (comm.rank() == 0) {
    nlohmann::ordered_json results;
    results["model"] = model->name();
    results["steps"] = state.step;
    results["samples_seen"] = state.sample_cursor;
    results["world_size"] = comm.size();
    results["checkpoint"] = loop.checkpoints().path_for(state.step);
    write_results(d.run.dir, results, summary);
  }
}

}  // namespace swag::train
