#include "swag/train/finetune.hpp"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "swag/core/atomic_file.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/data/labelled_subset.hpp"
#include "swag/data/loader.hpp"
#include "swag/data/shard_reader.hpp"
#include "swag/dist/model_collectives.hpp"
#include "swag/eval/accuracy.hpp"
#include "swag/eval/mapping_file.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/nn/weights.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/checkpoint.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/train/host_staging.hpp"
#include "swag/train/loss_scaler.hpp"
#include "swag/train/lr_schedule.hpp"
#include "swag/train/mixup.hpp"
#include "swag/train/optimizer.hpp"
#include "swag/train/provenance.hpp"
#include "swag/train/run_files.hpp"
#include "swag/train/stop_signals.hpp"
#include "swag/train/weight_average.hpp"

namespace swag::train {
namespace fs = std::filesystem;
namespace {

// ZS-Init: row c of every head tensor is the mean of the hashtag head's rows M(c) (zero when a
// target has no hashtag class). Averaging the rows averages the hashtag logits, the linear
// counterpart of the "mean" zero-shot aggregation.
void zero_shot_head(const std::string& init, const std::string& mapping_path, nn::Model& model) {
  const nn::WeightsHeader h = nn::read_weights_header(init);
  if (h.pre_logits)
    fail(ExitCode::config,
         "init.head = zeroshot: {} has a ViT pre-training head (heads.pre_logits), so its "
         "classifier does not act on the trunk's features; use init.head = new",
         init);
  const auto m = eval::read_mapping_file(mapping_path);
  if (m.num_classes != h.num_classes ||
      static_cast<std::int64_t>(m.mapping.size()) != model.dims().num_classes)
    fail(ExitCode::input, "{} maps {} targets onto {} classes; {} has {} classes, the data {}",
         mapping_path, m.mapping.size(), m.num_classes, init, h.num_classes,
         model.dims().num_classes);
  const Hdf5File f = Hdf5File::open_read(init);
  const auto& params = model.params();
  for (std::size_t i = 0; i < params.entries().size(); ++i) {
    const auto& e = params.entries()[i];
    if (!model.in_head(e.name)) continue;
    const Tensor source = f.read_f32("/params/" + e.name);
    Tensor param = params.value(static_cast<int>(i));
    ops::fill_through_host(param, [&](Tensor& target) {
      const std::int64_t width = target.numel() / target.dim(0);
      target.zero();
      for (std::size_t c = 0; c < m.mapping.size(); ++c) {
        float* row = target.data<float>() + static_cast<std::int64_t>(c) * width;
        for (const auto hashtag : m.mapping[c])
          for (std::int64_t k = 0; k < width; ++k)
            row[k] += source.data<float>()[static_cast<std::int64_t>(hashtag) * width + k] /
                      static_cast<float>(m.mapping[c].size());
      }
    });
  }
  log::info("finetune: head initialized zero-shot from {} through {}", init, mapping_path);
}

// The evaluation set through a copy of the trained weights, built for the evaluation batch.
eval::TopKCounts evaluate(nn::Model& trained, const Config& c, const dist::Communicator& comm) {
  auto model = nn::create_model(trained.name(), {c.get_int("eval.batch"), trained.dims().resolution,
                                                 trained.dims().num_classes, false});
  model->allocate(0, trained.device());
  Tensor params = model->params().flat_values(), buffers = model->buffers().flat_values();
  ops::copy(trained.params().flat_values(), params);
  ops::copy(trained.buffers().flat_values(), buffers);
  const auto p = eval::predict_dataset(
      *model, comm, {c.get_string("data.eval"), static_cast<int>(c.get_int("data.workers"))});
  if (p.num_classes != model->dims().num_classes)
    fail(ExitCode::input, "{} has {} classes, the training data {}", c.get_string("data.eval"),
         p.num_classes, model->dims().num_classes);
  return eval::count_topk(p.rows, p.labels);
}

}  // namespace

void finetune(const Config& c, const dist::Communicator& comm) {
  // Outlives every device tensor.
  const DeviceScope device(c, comm);
  const DType precision = deck_precision(c);
  report_cpus(comm, static_cast<int>(c.get_int("data.workers")), "data.workers");
  const std::int64_t global = c.get_int("batch.global");
  if (global < 1 || global % comm.size() != 0)
    fail(ExitCode::config, "batch.global = {} does not divide over {} ranks", global, comm.size());
  const std::int64_t local = global / comm.size();
  const auto seed = static_cast<std::uint64_t>(c.get_int("run.seed"));
  const std::string run_dir = c.get_string("run.dir"), init = c.get_string("init.checkpoint");
  const std::string head = c.get_string("init.head");
  if (head == "zeroshot" && init.empty())
    fail(ExitCode::config, "init.head = zeroshot needs init.checkpoint");
  std::string model_name = c.get_string("model.name");
  if (model_name.empty()) {
    if (init.empty()) fail(ExitCode::config, "model.name is needed without init.checkpoint");
    model_name = nn::read_weights_header(init).model;
  }

  // The labelled share and the stream over it.
  const std::string train_dir = c.get_string("data.train");
  const std::string subset_list = c.get_string("data.subset_list");
  if (!subset_list.empty() && c.get_float("data.fraction") != 1.0)
    fail(ExitCode::config, "data.subset_list and data.fraction < 1 both choose the images");
  if (!subset_list.empty() && c.get_string("data.manifest").empty())
    fail(ExitCode::config, "data.subset_list needs data.manifest (the shards' manifest)");
  const auto subset =
      subset_list.empty()
          ? data::labelled_subset(data::load_dataset_labels(train_dir),
                                  {c.get_float("data.fraction"), c.get_bool("data.balanced"), seed})
          : data::listed_subset(subset_list, c.get_string("data.manifest"),
                                data::read_image_ids(train_dir));
  std::int64_t total_steps = c.get_int("schedule.steps");
  if (total_steps == 0) total_steps = finetune_steps_for(static_cast<std::int64_t>(subset.size()));
  const std::int64_t every = c.get_int("checkpoint.every"), log_every = c.get_int("log.every");
  data::LoaderOptions o;
  o.data_dir = train_dir;
  o.global_batch = global;
  o.local_batch = local;
  o.rank = comm.rank();
  o.resolution = static_cast<int>(c.get_int("model.resolution"));
  o.min_crop_scale = c.get_float("data.min_crop_scale");
  o.workers = static_cast<int>(c.get_int("data.workers"));
  o.prefetch = static_cast<int>(c.get_int("data.prefetch"));
  o.seed = seed;
  o.stream = data::shuffled_epochs(subset, seed);
  data::Loader loader(o);

  auto model = nn::create_model(model_name, {local, o.resolution, loader.num_classes(), false});
  model->allocate(seed, device.device(), precision, c.get_bool("run.recompute_activations"));
  if (!init.empty()) {
    nn::load_trunk(init, *model);
    if (head == "zeroshot") zero_shot_head(init, c.get_string("init.mapping"), *model);
  }
  broadcast_weights(comm, *model);

  OptimizerOptions oo;
  oo.name = "sgd";
  oo.momentum = static_cast<float>(c.get_float("optim.momentum"));
  oo.weight_decay = static_cast<float>(c.get_float("optim.weight_decay"));
  const auto optimizer = make_optimizer(model->params(), oo);
  const LrSchedule schedule{
      scaled_lr(c.get_float("optim.lr"), global, c.get_int("optim.reference_batch")), total_steps,
      c.get_float("schedule.warmup_fraction")};
  const double ema_weight = c.get_float("ema.weight"), alpha = c.get_float("mixup.alpha");
  std::unique_ptr<WeightAverage> ema;
  if (ema_weight > 0) ema = std::make_unique<WeightAverage>(*model, ema_weight);
  LossScaler scaler(precision);
  ExtraState extra;
  if (ema) extra = {{"ema_params", ema->params()}, {"ema_buffers", ema->buffers()}};
  if (scaler.enabled()) extra.emplace("loss_scaler", scaler.state());

  const CheckpointStore checkpoints(run_dir, {c.get_int("checkpoint.keep_last"), 0,
                                              c.get_bool("checkpoint.restart_if_none_valid")});
  RunState state{0, 0, seed, comm.size(), c.hash(), "", c.to_toml()};
  checkpoints.resume(comm, *model, *optimizer, state, extra);
  if (comm.rank() == 0) write_run_config(run_dir, c.to_toml());

  // f32 batches even on a GPU: mixup blends the host images as floats between fill and upload.
  StagedBatch batch(model->input_shape(), {local, loader.num_classes()}, device.device());
  ForwardBackward step_fn(*model);
  dist::ModelCollectives collectives(comm, *model, c.get_bool("bn.sync"),
                                     c.get_int("bn.sync_group"));
  Metrics metrics(run_dir, comm.rank() == 0);
  install_stop_handlers();
  const std::int64_t stop_at = c.get_int("run.stop_at_step");
  log::info(
      "finetune: {} at {} from {}, {} of {} labelled images ({}), {} ranks, batch {}, "
      "steps {} -> {}, lr {:.4g}",
      model->name(), o.resolution, init.empty() ? "scratch" : init, subset.size(),
      loader.num_images(), c.get_float("data.fraction"), comm.size(), global, state.step,
      total_steps, schedule.base_lr);
  Progress progress(global, total_steps);
  // A step's batch, mixed and staged; it depends on the step alone (as in pretrain.cpp).
  const auto stage = [&](std::int64_t step) {
    progress.wait_for_data([&] { loader.fill(step, batch.host_images(), batch.host_targets()); });
    if (alpha > 0)
      mixup(batch.host_images(), batch.host_targets(),
            mixup_lambda(seed, step, comm.rank(), alpha));
    batch.upload();
  };
  if (state.step < total_steps) stage(state.step);
  while (state.step < total_steps) {
    double loss = step_fn.run(*model, batch.images(), batch.targets(), scaler.scale());
    collectives.finish_gradients();
    // The next batch's fill and host-side mixup overlap this step's backward on a GPU.
    if (state.step + 1 < total_steps) stage(state.step + 1);
    loss = comm.sum(loss) / comm.size();
    Tensor grads = model->params().flat_grads();
    const bool grads_finite = std::isfinite(ops::sum_of_squares(grads));
    const bool overflow = scaler.enabled() && std::isfinite(loss) && !grads_finite;
    if (!overflow && (!std::isfinite(loss) || !grads_finite))
      fail(ExitCode::numerics,
           "step {}: loss {} or gradients not finite; the last checkpoint is "
           "intact",
           state.step, loss);
    const double lr = schedule.at(state.step);
    if (overflow) {
      scaler.overflowed(state.step);
    } else {
      if (scaler.enabled()) ops::scale(grads, 1.0f / scaler.scale());
      optimizer->step(static_cast<float>(lr));
      if (ema) ema->update();
      scaler.stepped();
    }
    progress.step(loss, overflow);
    ++state.step;
    state.sample_cursor += global;
    if (progress.due(state.step, log_every)) progress.report(state.step, lr, metrics);
    checkpoints.after_step(comm, *model, *optimizer, state, every, total_steps, stop_at, extra);
  }
  collectives.finish_training();
  const nlohmann::ordered_json summary =
      progress.finish("finetune", checkpoints.saves(), checkpoints.save_seconds());

  nlohmann::ordered_json results;
  results["model"] = model->name();
  results["resolution"] = o.resolution;
  results["init"] = init.empty() ? "scratch" : init;
  results["head"] = head;
  results["fraction"] = c.get_float("data.fraction");
  results["labelled_images"] = subset.size();
  if (!subset_list.empty()) results["subset_list"] = subset_list;
  results["steps"] = state.step;
  results["world_size"] = comm.size();
  // top1, top5 and model.h5 are of these weights (EMA only where the deck turns it on)
  results["weights_from"] = ema ? "ema" : "final";
  if (!c.get_string("data.eval").empty()) {
    const auto raw = evaluate(*model, c, comm);
    results["top1_raw"] = raw.top1_accuracy();
    eval::TopKCounts chosen = raw;
    if (ema) {
      ema->swap_into_model();
      chosen = evaluate(*model, c, comm);
      results["top1_ema"] = chosen.top1_accuracy();
    }
    results["top1"] = chosen.top1_accuracy();
    results["top5"] = chosen.top5_accuracy();
    results["n"] = chosen.n;
    log::info("finetune: top-1 {:.4f} top-5 {:.4f} on {} images{}", chosen.top1_accuracy(),
              chosen.top5_accuracy(), chosen.n, ema ? " (EMA weights)" : "");
  } else if (ema) {
    ema->swap_into_model();
  }
  if (comm.rank() == 0) {
    const std::string weights = (fs::path(run_dir) / "model.h5").string();
    nn::save_weights(weights, *model);
    results["weights"] = weights;
    results["summary"] = summary;
    results["provenance"] = provenance_json();
    write_file_atomically((fs::path(run_dir) / "results.json").string(), results.dump(2) + "\n");
  }
  if (ema) ema->swap_into_model();  // leave the model as trained
}

}  // namespace swag::train
