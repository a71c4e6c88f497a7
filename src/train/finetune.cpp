#include "swag/train/finetune.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/data/labelled_subset.hpp"
#include "swag/data/loader.hpp"
#include "swag/data/shard_reader.hpp"
#include "swag/eval/accuracy.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/eval/zero_shot_scores.hpp"
#include "swag/nn/weights.hpp"
#include "swag/ops/device.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/mixup.hpp"
#include "swag/train/run_files.hpp"
#include "swag/train/training_loop.hpp"
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
eval::TopKCounts evaluate(nn::Model& trained, const FinetuneDeck& d,
                          const dist::Communicator& comm) {
  auto model = nn::create_model(
      trained.name(), {d.eval.batch, trained.dims().resolution, trained.dims().num_classes, false});
  model->allocate(0, trained.device());
  Tensor params = model->params().flat_values(), buffers = model->buffers().flat_values();
  ops::copy(trained.params().flat_values(), params);
  ops::copy(trained.buffers().flat_values(), buffers);
  const auto p =
      eval::predict_dataset(*model, comm, {d.data.eval, static_cast<int>(d.data.workers)});
  if (p.num_classes != model->dims().num_classes)
    fail(ExitCode::input, "{} has {} classes, the training data {}", d.data.eval, p.num_classes,
         model->dims().num_classes);
  return eval::count_topk(p.rows, p.labels);
}

}  // namespace

void finetune(const Config& c, const dist::Communicator& comm) {
  const FinetuneDeck d = finetune_deck(c);
  // Outlives every device tensor.
  const DeviceScope device(d.run, comm);
  const DType precision = deck_precision(d.run);
  report_cpus(comm, static_cast<int>(d.data.workers), "data.workers");
  const std::int64_t global = d.batch.global;
  const BatchLayout layout{global,      local_batch_of(global, comm),
                           comm.rank(), d.model.resolution,
                           0,           static_cast<std::uint64_t>(d.run.seed)};
  const std::uint64_t seed = layout.seed;
  const std::string& init = d.init.checkpoint;
  if (d.init.head == "zeroshot" && init.empty())
    fail(ExitCode::config, "init.head = zeroshot needs init.checkpoint");
  std::string model_name = d.model.name;
  if (model_name.empty()) {
    if (init.empty()) fail(ExitCode::config, "model.name is needed without init.checkpoint");
    model_name = nn::read_weights_header(init).model;
  }

  // The labelled share and the stream over it.
  if (!d.data.subset_list.empty() && d.data.fraction != 1.0)
    fail(ExitCode::config, "data.subset_list and data.fraction < 1 both choose the images");
  if (!d.data.subset_list.empty() && d.data.manifest.empty())
    fail(ExitCode::config, "data.subset_list needs data.manifest (the shards' manifest)");
  const auto subset = d.data.subset_list.empty()
                          ? data::labelled_subset(data::load_dataset_labels(d.data.train),
                                                  {d.data.fraction, d.data.balanced, seed})
                          : data::listed_subset(d.data.subset_list, d.data.manifest,
                                                data::read_image_ids(d.data.train));
  std::int64_t total_steps = d.schedule.steps;
  if (total_steps == 0) total_steps = finetune_steps_for(static_cast<std::int64_t>(subset.size()));
  data::LoaderOptions o = loader_options(d, d.data.train, layout);
  o.stream = data::shuffled_epochs(subset, seed);
  data::Loader loader(o);

  auto model = nn::create_model(
      model_name, {layout.local_batch, layout.resolution, loader.num_classes(), false});
  model->allocate(seed, device.device(), precision, d.run.recompute_activations);
  if (!init.empty()) {
    nn::load_trunk(init, *model);
    if (d.init.head == "zeroshot") zero_shot_head(init, d.init.mapping, *model);
  }
  broadcast_weights(comm, *model);

  OptimizerOptions oo;
  oo.name = "sgd";
  oo.momentum = static_cast<float>(d.optim.momentum);
  oo.weight_decay = static_cast<float>(d.optim.weight_decay);
  const auto optimizer = make_optimizer(model->params(), oo);
  const LrSchedule schedule{scaled_lr(d.optim.lr, global, d.optim.reference_batch), total_steps,
                            d.schedule.warmup_fraction};
  std::unique_ptr<WeightAverage> ema;
  if (d.ema.weight > 0) ema = std::make_unique<WeightAverage>(*model, d.ema.weight);
  LossScaler scaler(precision);
  ExtraState extra;
  if (ema) extra = {{"ema_params", ema->params()}, {"ema_buffers", ema->buffers()}};
  TrainingLoop loop(comm, *model, *optimizer, scaler, schedule,
                    {d.checkpoint.keep_last, 0, d.checkpoint.restart_if_none_valid}, extra,
                    loop_options(d, "finetune", total_steps));
  RunState state{0, 0, seed, comm.size(), c.hash(), "", c.to_toml()};
  loop.resume(state);

  // f32 batches even on a GPU: mixup blends the host images as floats between fill and upload.
  StagedBatch batch(model->input_shape(), {layout.local_batch, loader.num_classes()},
                    device.device());
  log::info(
      "finetune: {} at {} from {}, {} of {} labelled images ({}), {} ranks, batch {}, "
      "steps {} -> {}, lr {:.4g}",
      model->name(), layout.resolution, init.empty() ? "scratch" : init, subset.size(),
      loader.num_images(), d.data.fraction, comm.size(), global, state.step, total_steps,
      schedule.base_lr);
  LoopHooks hooks;
  hooks.fill = [&](std::int64_t step, Tensor& images, Tensor& targets) {
    loader.fill(step, images, targets);
  };
  hooks.bad_draws = [&] { return loader.bad_draws(); };
  if (d.mixup.alpha > 0)
    hooks.mix = [&](std::int64_t step, Tensor& images, Tensor& targets) {
      mixup(images, targets, mixup_lambda(seed, step, comm.rank(), d.mixup.alpha));
    };
  if (ema) hooks.after_update = [&] { ema->update(); };
  const nlohmann::ordered_json summary = loop.run(state, batch, hooks);

  nlohmann::ordered_json results;
  results["model"] = model->name();
  results["resolution"] = layout.resolution;
  results["init"] = init.empty() ? "scratch" : init;
  results["head"] = d.init.head;
  results["fraction"] = d.data.fraction;
  results["labelled_images"] = subset.size();
  if (!d.data.subset_list.empty()) results["subset_list"] = d.data.subset_list;
  results["steps"] = state.step;
  results["world_size"] = comm.size();
  // top1, top5 and model.h5 are of these weights (EMA only where the deck turns it on)
  results["weights_from"] = ema ? "ema" : "final";
  if (!d.data.eval.empty()) {
    const auto raw = evaluate(*model, d, comm);
    results["top1_raw"] = raw.top1_accuracy();
    eval::TopKCounts chosen = raw;
    if (ema) {
      ema->swap_into_model();
      chosen = evaluate(*model, d, comm);
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
    const std::string weights = (fs::path(d.run.dir) / "model.h5").string();
    nn::save_weights(weights, *model);
    results["weights"] = weights;
    write_results(d.run.dir, results, summary);
  }
  if (ema) ema->swap_into_model();  // leave the model as trained
}

}  // namespace swag::train
