// swag predict: logits of a weights file on images; with targets, a training-mode forward and
// backward that writes the loss and every parameter's gradient (for parity with PyTorch). The
// model runs at the images' resolution; --resolution states it, and lets weights made at another
// resolution be adapted (a ViT's position embedding, interpolated as torchvision does).
// With --topk K, a hashtag model's K most probable hashtags for every image of a shard folder,
// as JSON lines (doc/analysis.md), the images spread over the ranks.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "swag/apps/commands.hpp"
#include "swag/core/atomic_file.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/core/sha256.hpp"
#include "swag/data/dataset_index.hpp"
#include "swag/data/shard_reader.hpp"
#include "swag/eval/predict_dataset.hpp"
#include "swag/nn/weights.hpp"
#include "swag/ops/convert.hpp"
#include "swag/ops/optimizer_update.hpp"
#include "swag/train/device_scope.hpp"
#include "swag/train/forward_backward.hpp"
#include "swag/vocab/vocabulary_file.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string weights, images, output, targets, model;
  std::int64_t num_classes = 0, resolution = 0;
  // --topk mode
  std::int64_t topk = 0, batch = 32;
  bool topk_given = false;
  int workers = 2;
  std::string checkpoint, vocab, data, manifest, device = "cpu";
};

// /images must be float [N, 3, H, H] with H >= 8.
Tensor read_images(const std::string& path) {
  const Hdf5File f = Hdf5File::open_read(path);
  const Shape s = f.shape("/images");
  if (s.size() != 4 || s[1] != 3 || s[2] != s[3] || s[2] < 8 || s[0] < 1)
    fail(ExitCode::input, "{}: /images has shape {}, expected [N, 3, H, H] with N >= 1, H >= 8",
         path, shape_str(s));
  return f.read_f32("/images");
}

Tensor read_targets(const std::string& path, const Shape& expected) {
  const Hdf5File f = Hdf5File::open_read(path);
  Tensor t = Tensor::empty(expected);
  f.read_f32_into("/targets", t);
  const float* p = t.data<float>();
  for (std::int64_t i = 0; i < expected[0]; ++i) {
    double sum = 0;
    for (std::int64_t c = 0; c < expected[1]; ++c) {
      const float v = p[i * expected[1] + c];
      if (!std::isfinite(v) || v < 0)
        fail(ExitCode::input, "{}: /targets[{}, {}] = {} is not a probability", path, i, c, v);
      sum += v;
    }
    if (std::abs(sum - 1.0) > 1e-3)
      fail(ExitCode::input, "{}: /targets row {} sums to {}, expected 1", path, i, sum);
  }
  return t;
}

// Exit 6 (doc/cli.md) rather than a file of NaNs: weights that overflow, or a NaN in them.
void require_finite(const Tensor& t, const std::string& what, const std::string& weights) {
  if (!std::isfinite(ops::sum_of_squares(t)))
    fail(ExitCode::numerics, "{}: the {} are not finite (NaN or Inf); nothing written", weights,
         what);
}

void run_logits(const Options& o) {
  if (o.weights.empty() || o.images.empty())
    fail(ExitCode::usage,
         "predict needs --weights and --images (or --topk with --checkpoint, "
         "--vocab and --data)");
  if (!o.checkpoint.empty() || !o.vocab.empty() || !o.data.empty() || !o.manifest.empty())
    fail(ExitCode::usage, "--checkpoint, --vocab, --data and --manifest go with --topk");
  const nn::WeightsHeader h = nn::read_weights_header(o.weights);
  if (!o.model.empty() && nn::canonical_model_name(o.model) != h.model)
    fail(ExitCode::usage, "--model {} but {} holds {}", o.model, o.weights, h.model);
  if (o.num_classes && o.num_classes != h.num_classes)
    fail(ExitCode::usage, "--num-classes {} but {} has {}", o.num_classes, o.weights,
         h.num_classes);

  const Tensor images_nchw = read_images(o.images);
  const std::int64_t n = images_nchw.dim(0), r = images_nchw.dim(2);
  if (o.resolution && o.resolution != r)
    fail(ExitCode::input, "--resolution {} but the images in {} are {}x{}", o.resolution, o.images,
         r, r);
  auto model = nn::create_model(h.model, {n, r, h.num_classes, h.pre_logits});
  model->allocate(0);
  nn::load_weights(o.weights, *model, /*adapt_resolution=*/o.resolution != 0);
  Tensor images = Tensor::empty(model->input_shape());
  ops::nchw_to_nhwc(images_nchw, images);
  log::info("predict: {} on {} images of {}x{}{}", h.model, n, r, r,
            o.targets.empty() ? "" : " (training mode, with gradients)");

  AtomicOutput out(o.output);
  {
    Hdf5File f = Hdf5File::create(out.temp_path());
    if (o.targets.empty()) {
      const Tensor logits = model->forward(images, /*train=*/false);
      require_finite(logits, "logits", o.weights);
      f.write("/logits", logits);
    } else {
      const Tensor targets = read_targets(o.targets, {n, h.num_classes});
      train::ForwardBackward step(*model);
      const double loss = step.run(*model, images, targets);
      require_finite(step.logits(), "logits", o.weights);
      if (!std::isfinite(loss))
        fail(ExitCode::numerics, "{}: the loss is {}; nothing written", o.weights, loss);
      f.write("/logits", step.logits());
      f.write_scalar_f64("/loss", loss);
      const auto& params = model->params();
      for (std::size_t i = 0; i < params.entries().size(); ++i)
        f.write("/grads/" + params.entries()[i].name, params.grad(static_cast<int>(i)));
    }
  }
  out.commit();
}

// ----------------------------------------------------------------------------- --topk

// The vocabulary names the model's classes: it must be the one the checkpoint was trained on
// (when the file records it) and have as many classes.
std::vector<std::string> class_names(const Options& o, std::int64_t num_classes) {
  const auto vocabulary = vocab::read_vocabulary(o.vocab);
  if (static_cast<std::int64_t>(vocabulary.classes.size()) != num_classes)
    fail(ExitCode::input, "{} has {} classes, {} predicts {}", o.vocab, vocabulary.classes.size(),
         o.checkpoint, num_classes);
  const Hdf5File f = Hdf5File::open_read(o.checkpoint);
  if (f.has_attribute("/", "checkpoint_state")) {
    const auto state = nlohmann::json::parse(f.string_attribute("/", "checkpoint_state"));
    const auto trained_on = state.value("vocab_sha256", std::string());
    const std::string vocab_sha = sha256_file(o.vocab);
    if (!trained_on.empty() && trained_on != vocab_sha)
      fail(ExitCode::input, "{} was trained on vocabulary {}, {} is {}", o.checkpoint, trained_on,
           o.vocab, vocab_sha);
  }
  std::vector<std::string> names;
  names.reserve(vocabulary.classes.size());
  for (const auto& c : vocabulary.classes) names.push_back(c.name);
  return names;
}

// The image path of every manifest line (1-based; the text before the first tab).
std::vector<std::string> manifest_paths(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(ExitCode::io, "{}: cannot open", path);
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    paths.push_back(line.substr(0, line.find('\t')));
  }
  if (f.bad()) fail(ExitCode::io, "{}: read error", path);
  return paths;
}

// A batch of logits [B, H] to rows [B, 2K]: the K largest softmax probabilities, largest first
// (ties: lower class first), then their class ids (exact in float: H < 2^24).
Tensor topk_rows(const Tensor& logits, std::int64_t k) {
  require_finite(logits, "logits", "the checkpoint");
  const Tensor probs = eval::softmax_rows(logits);
  const std::int64_t rows = probs.shape()[0], classes = probs.shape()[1];
  Tensor out = Tensor::empty({rows, 2 * k});
  std::vector<std::int32_t> order(static_cast<std::size_t>(classes));
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* p = probs.data<float>() + i * classes;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(
        order.begin(), order.begin() + k, order.end(),
        [p](std::int32_t a, std::int32_t b) { return p[a] != p[b] ? p[a] > p[b] : a < b; });
    float* o = out.data<float>() + i * 2 * k;
    for (std::int64_t j = 0; j < k; ++j) {
      o[j] = p[order[static_cast<std::size_t>(j)]];
      o[k + j] = static_cast<float>(order[static_cast<std::size_t>(j)]);
    }
  }
  return out;
}

void run_topk(const Options& o) {
  if (o.checkpoint.empty() || o.vocab.empty() || o.data.empty())
    fail(ExitCode::usage, "--topk needs --checkpoint, --vocab and --data");
  if (!o.weights.empty() || !o.images.empty() || !o.targets.empty() || !o.model.empty() ||
      o.num_classes)
    fail(ExitCode::usage,
         "--topk reads --checkpoint and --data, not --weights, --images, --targets, --model or "
         "--num-classes");
  if (o.topk < 1) fail(ExitCode::usage, "--topk must be >= 1");
  if (o.batch < 1) fail(ExitCode::usage, "--batch must be >= 1");
  const auto comm = dist::Communicator::world();
  const train::DeviceScope device(o.device, "fp32", comm, train::ChoiceFrom::command_line);
  auto model = nn::load_model(o.checkpoint, o.batch, o.resolution, device.device());
  const std::int64_t classes = model->dims().num_classes;
  if (o.topk > classes)
    fail(ExitCode::usage, "--topk {} but {} predicts {} classes", o.topk, o.checkpoint, classes);
  if (classes >= (std::int64_t{1} << 24))
    fail(ExitCode::input, "{} predicts {} classes, more than --topk handles (2^24)", o.checkpoint,
         classes);
  const auto names = class_names(o, classes);
  const auto lines = data::read_image_ids(o.data);
  std::vector<std::string> paths;
  if (!o.manifest.empty()) {
    paths = manifest_paths(o.manifest);
    for (const std::int64_t line : lines)
      if (line < 1 || line > static_cast<std::int64_t>(paths.size()))
        fail(ExitCode::input, "{} names manifest line {}, {} has {} lines", o.data, line,
             o.manifest, paths.size());
  }
  const std::int64_t k = o.topk;
  const auto predictions =
      eval::predict_dataset(*model, comm, {o.data, o.workers},
                            [k](const Tensor& logits) { return topk_rows(logits, k); });
  if (comm.rank() != 0) return;

  const std::int64_t n = predictions.rows.shape()[0];
  AtomicOutput out(o.output);
  {
    std::ofstream f(out.temp_path(), std::ios::binary | std::ios::trunc);
    if (!f) fail(ExitCode::io, "{}: cannot write", out.temp_path());
    std::string text;
    for (std::int64_t i = 0; i < n; ++i) {
      const float* row = predictions.rows.data<float>() + i * 2 * k;
      const auto line = lines[static_cast<std::size_t>(i)];
      const std::string path =
          paths.empty() ? std::string() : paths[static_cast<std::size_t>(line - 1)];
      text.clear();
      text += fmt::format(
          R"({{"index": {}, "path": {}, "line": {}, "topk": [)", i,
          nlohmann::json(path).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          line);
      for (std::int64_t j = 0; j < k; ++j) {
        const float score = row[j];
        if (!std::isfinite(score))
          fail(ExitCode::numerics, "{}: non-finite probability for image {}", o.checkpoint, i);
        const auto id = static_cast<std::size_t>(row[k + j]);
        text +=
            fmt::format("{}[{}, {}]", j ? ", " : "", nlohmann::json(names.at(id)).dump(), score);
      }
      text += "]}\n";
      f.write(text.data(), static_cast<std::streamsize>(text.size()));
    }
    f.flush();
    if (!f) fail(ExitCode::io, "{}: cannot write", out.temp_path());
  }
  out.commit();
  log::info("predict: top-{} hashtags of {} images written to {}", k, n, o.output);
}

void run(const Options& o) {
  if (o.topk_given)
    run_topk(o);
  else
    run_logits(o);
}

}  // namespace

Command add_predict(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--weights", o->weights, "weights file (HDF5, doc/formats.md)");
  app.add_option("--images", o->images, "HDF5 with /images float32 [N, 3, H, W]");
  app.add_option("--output", o->output,
                 "HDF5 to write /logits (and /loss, /grads); with --topk, the JSON lines")
      ->required();
  app.add_option("--targets", o->targets, "HDF5 with /targets [N, C]: training-mode step");
  app.add_option("--model", o->model, "model name (default: the weights file's)");
  app.add_option("--num-classes", o->num_classes, "classes (default: the weights file's)");
  app.add_option("--resolution", o->resolution,
                 "the images' side; adapts weights made at another resolution (ViT: bicubic "
                 "interpolation of the position embedding); with --topk, the evaluation "
                 "resolution (default: the file's)");
  app.add_option("--topk", o->topk,
                 "K: write each image's K most probable hashtags as JSON lines (doc/analysis.md)")
      ->each([o](const std::string&) { o->topk_given = true; });
  app.add_option("--checkpoint", o->checkpoint,
                 "with --topk: hashtag model (weights or checkpoint)");
  app.add_option("--vocab", o->vocab, "with --topk: the vocabulary it was trained on (vocab.json)");
  app.add_option("--data", o->data, "with --topk: shard folder of the images");
  app.add_option("--manifest", o->manifest,
                 "with --topk: the manifest the shards were made from (gives each line's path)");
  app.add_option("--batch", o->batch, "with --topk: images per rank per step (default 32)");
  app.add_option("--workers", o->workers, "with --topk: decoding threads per rank (default 2)");
  app.add_option("--device", o->device, "with --topk: cpu, or cuda: one GPU per rank")
      ->capture_default_str();
  return [o] { run(*o); };
}

}  // namespace swag::apps
