// swag predict: logits of a weights file on images; with targets, a training-mode forward and
// backward that writes the loss and every parameter's gradient (for parity with PyTorch). The
// model runs at the images' resolution; --resolution states it, and lets weights made at another
// resolution be adapted (a ViT's position embedding, interpolated as torchvision does).
#include <cmath>

#include "swag/apps/commands.hpp"
#include "swag/core/atomic_file.hpp"
#include "swag/core/hdf5_file.hpp"
#include "swag/core/log.hpp"
#include "swag/nn/weights.hpp"
#include "swag/ops/layout.hpp"
#include "swag/train/forward_backward.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string weights, images, output, targets, model;
  std::int64_t num_classes = 0, resolution = 0;
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

void run(const Options& o) {
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
      f.write("/logits", model->forward(images, /*train=*/false));
    } else {
      const Tensor targets = read_targets(o.targets, {n, h.num_classes});
      train::ForwardBackward step(*model);
      const double loss = step.run(*model, images, targets);
      f.write("/logits", step.logits());
      f.write_scalar_f64("/loss", loss);
      const auto& params = model->params();
      for (std::size_t i = 0; i < params.entries().size(); ++i)
        f.write("/grads/" + params.entries()[i].name, params.grad(static_cast<int>(i)));
    }
  }
  out.commit();
}

}  // namespace

Command add_predict(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--weights", o->weights, "weights file (HDF5, doc/formats.md)")->required();
  app.add_option("--images", o->images, "HDF5 with /images float32 [N, 3, H, W]")->required();
  app.add_option("--output", o->output, "HDF5 to write /logits (and /loss, /grads)")->required();
  app.add_option("--targets", o->targets, "HDF5 with /targets [N, C]: training-mode step");
  app.add_option("--model", o->model, "model name (default: the weights file's)");
  app.add_option("--num-classes", o->num_classes, "classes (default: the weights file's)");
  app.add_option("--resolution", o->resolution,
                 "the images' side; adapts weights made at another resolution (ViT: bicubic "
                 "interpolation of the position embedding)");
  return [o] { run(*o); };
}

}  // namespace swag::apps
